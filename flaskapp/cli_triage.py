"""``safetydesk triage``: evaluate the comment triage on the labelled sets, train its model."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("triage")
def triage_group() -> None:
    """The triage that scores talk page comments (rules in tools/triage/rules/, a model)."""


_DATA_HELP = (
    "Folder of the real labelled sets (default: $SAFETYDESK_TRIAGE_DATA,"
    " else ../shared/data/triage beside the repository)."
)


@triage_group.command("eval")
@click.option(
    "--split",
    "splits",
    type=click.Choice(["train", "dev", "test"]),
    multiple=True,
    help="Evaluate only this split (default: dev, then test).",
)
@click.option("--misses", is_flag=True, help="List the comments the triage got wrong.")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), help=_DATA_HELP)
@click.option("--own-only", is_flag=True, help="Only our own labelled set (tools/triage/eval).")
def triage_eval(splits: tuple[str, ...], misses: bool, data: Path | None, own_only: bool) -> None:
    """Print precision and recall per category and language, per labelled set and split."""
    from tools.triage import evaluate

    click.echo(
        evaluate.run(
            show_misses=misses, splits=splits or evaluate.SPLITS, data=data, own_only=own_only
        )
    )


@triage_group.command("train")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), help=_DATA_HELP)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Model file (default: tools/triage/model/triage.npz, its data card beside it).",
)
def triage_train(data: Path | None, output: Path | None) -> None:
    """Train the learned layer on the train splits; calibrate and threshold it on dev."""
    from tools.triage import data as triage_data
    from tools.triage import learned, training

    folder = triage_data.data_dir(data)
    if not folder.is_dir():
        raise click.ClickException(f"triage data folder not found: {folder} (see --data)")
    click.echo(training.train_and_save(folder, output or learned.MODEL_FILE))
