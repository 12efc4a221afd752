"""What the API reads: request bodies as pydantic models, documented and checked by the same class.

A view reads its body with :func:`flaskapp.api.common.request_body`, which validates it
with the model its operation documents (:mod:`.spec`); the document's ``requestBody`` is
generated from that model (:mod:`.openapi`). Errors keep the API's shape and wording:
the first wrong field, in the order the model declares them, is a 422 that names it.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field, StrictInt, ValidationError

from flaskapp.api.errors import ApiError
from tools.cases import DESCRIPTION_MAX, MESSAGE_MAX, TITLE_MAX
from tools.models import CaseStatus, Category, Severity
from tools.patrol.alerts import REASON_MAX

#: Wikis, subjects or evidence links in one request.
LIST_MAX = 100
NOT_BLANK = r"\S"

Model = TypeVar("Model", bound=BaseModel)


def _without_blanks(values: list[str]) -> list[str]:
    return [value for value in values if value.strip()]


#: A list of names from the form's text areas: blank entries are dropped, as the form does.
Names = Annotated[list[str], Field(max_length=LIST_MAX), AfterValidator(_without_blanks)]


class NewRequest(BaseModel):
    """A request as the form at /requests/new takes it."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "category": "harassment",
                    "title": "Harassment of a new editor",
                    "description": "Three accounts follow a newcomer across talk pages.",
                    "wikis": ["enwiki"],
                    "subjects": ["Example vandal"],
                    "evidence": ["https://en.wikipedia.org/w/index.php?diff=123456"],
                }
            ]
        }
    }

    category: Category
    severity: Severity | None = None
    title: Annotated[str, Field(min_length=1, max_length=TITLE_MAX, pattern=NOT_BLANK)]
    description: Annotated[str, Field(min_length=1, max_length=DESCRIPTION_MAX, pattern=NOT_BLANK)]
    wikis: Names = Field(
        default=[], description="Database names or hosts: enwiki, fr.wikipedia.org."
    )
    subjects: Names = Field(default=[], description="Involved accounts, IP addresses or ranges.")
    evidence: Names = Field(
        default=[], description="Diffs, permanent links or log links of Wikimedia wikis."
    )


class Move(BaseModel):
    status: CaseStatus


class Claim(BaseModel):
    expected_assignee_id: StrictInt | None = Field(
        default=None,
        description="Who holds the case now (Case.assignee_id); null claims a free case.",
    )


class Message(BaseModel):
    body: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX, pattern=NOT_BLANK)]


class Dismiss(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX, pattern=NOT_BLANK)]


def validate(model: type[Model], body: dict[str, Any]) -> Model:
    """``body`` as ``model``; a 422 naming the first wrong field otherwise."""
    try:
        return model.model_validate(body)
    except ValidationError as err:
        first = err.errors()[0]
        raise _unprocessable(model, str(first["loc"][0]), first["type"]) from None


def _unprocessable(model: type[BaseModel], name: str, kind: str) -> ApiError:
    """The error the API has always given for this field, by what the field holds."""
    field = model.model_fields[name]
    annotation = field.annotation
    choices = [a for a in getattr(annotation, "__args__", (annotation,)) if _is_enum(a)]
    if choices:
        allowed = ", ".join(member.value for member in choices[0])
        return ApiError(422, f"'{name}' must be one of: " + allowed)
    if annotation == list[str]:
        if kind == "too_long":
            return ApiError(422, f"'{name}' has more than {LIST_MAX} entries.")
        return ApiError(422, f"'{name}' must be a list of strings.")
    if kind == "string_too_long":
        maximum = next(m.max_length for m in field.metadata if hasattr(m, "max_length"))
        return ApiError(422, f"'{name}' is longer than {maximum} characters.")
    if annotation is str:
        return ApiError(422, f"'{name}' must be a non-empty string.", details={name: "required"})
    return ApiError(422, f"'{name}' must be an integer or null.")


def _is_enum(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Enum)
