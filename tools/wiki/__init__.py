"""What the desk knows of the wikis: the registry, titles and links, subjects, evidence, the API."""
