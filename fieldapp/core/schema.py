"""The one schema: every synced entity and its fields, declared once.

Local tables (`fieldapp.core.tables`), server tables (`sync.server.tables`), wire
validation (`sync.protocol`), editors, imports and exports all read this module. Adding
a field here is the whole of adding a field; never write a field list anywhere else.

Field names follow WOCAT/QCAT where one fits (see each field's `wocat`), IPCC reference
lists for climate zones and land use, and the WRB for soil groups.
"""
from __future__ import annotations

from fieldapp.core.fieldspec import (
    BOOL, CHOICE, DATE, DATETIME, DECIMAL, EMAIL, INT, JSON, LONGTEXT, MULTI, REF, SCORE, TEXT, URL,
    URLS, Entity, Field,
)
from fieldapp.i18n import N_

# Fixed value lists (the ones that change with the code, not with the Initiative's data).
REVIEW_STATUSES = ("draft", "submitted", "validated", "published", "returned")
CONCEPTUAL_BASES = ("field_experience", "scientific", "both")
MEMBERSHIPS = ("partner", "member")
PROJECT_STATUSES = ("draft", "submitted", "under_review", "approved", "rejected", "ongoing", "completed")
SUBMISSION_STATUSES = ("draft", "final")
SUBMISSION_REVIEW = ("received", "has_issues", "approved", "rejected")
FORM_STATUSES = ("draft", "published", "retired")
MEETING_TYPES = ("regional_meeting", "workshop", "consortium_meeting", "stc_meeting", "webinar", "field_visit")
GENDERS = ("female", "male", "other", "undisclosed")
AGE_GROUPS = ("youth", "adult", "senior")  # youth: under 35, as the Initiative counts it
DECISION_OUTCOMES = ("adopted", "rejected", "postponed")
ACTION_STATUSES = ("open", "in_progress", "done", "cancelled")
MEDIA_KINDS = ("photo", "video", "document", "tutorial", "other")
SLM_MEASURES = ("agronomic", "vegetative", "structural", "management")
DEGRADATION_TYPES = (
    "water_erosion", "wind_erosion", "chemical_deterioration", "physical_deterioration",
    "biological_degradation", "water_degradation",
)
ADOPTION_LEVELS = ("single_land_user", "less_than_10_percent", "10_to_50_percent", "more_than_50_percent")

# Reference lists (shipped in resources/reference, synced from the server, admin-written).
REFERENCE_LISTS = (
    "region", "country", "language", "practice_family", "climate_zone", "land_use",
    "soil_group", "org_type", "college", "strategic_objective",
)


def _region() -> Field:
    return Field("region", CHOICE, N_("Region"), ref_list="region", help=N_("Filled from the country when left empty"))


def _country(required: bool = False) -> Field:
    return Field("country", CHOICE, N_("Country"), required=required, ref_list="country")


def _lat_lon() -> tuple[Field, Field]:
    return (
        Field("latitude", DECIMAL, N_("Latitude"), minimum=-90, maximum=90, unit="°"),
        Field("longitude", DECIMAL, N_("Longitude"), minimum=-180, maximum=180, unit="°"),
    )


def _written_in(default: str | None = None) -> Field:
    """The language the record's own text is in; its translatable fields (marked
    `translatable=True`) get one copy per UN language beside it (fieldspec.Entity)."""
    return Field("language", CHOICE, N_("Written in"), ref_list="language", default=default)


def _media_fields(owner: str) -> tuple[Field, ...]:
    """Attachment metadata; the bytes live apart, addressed by SHA-256 (DESIGN.md 7)."""
    return (
        Field(f"{owner}_id", REF, N_("Attached to"), required=True, ref=owner),
        Field("sha256", TEXT, N_("SHA-256"), required=True, max_length=64),
        Field("file_name", TEXT, N_("File name"), required=True, max_length=255, search="body"),
        Field("mime_type", TEXT, N_("File type"), required=True, max_length=127),
        Field("size", INT, N_("Size"), required=True, minimum=0, unit="bytes"),
        Field("kind", CHOICE, N_("Kind"), choices=MEDIA_KINDS, default="other"),
        Field("caption", TEXT, N_("Caption"), search="body"),
    )


REFERENCE = Entity(
    "reference", N_("Reference entry"), N_("Reference entries"), scope=None, title="label",
    order_by="position", admin_only=True,
    fields=(
        Field("list_name", CHOICE, N_("List"), required=True, choices=REFERENCE_LISTS),
        Field("code", TEXT, N_("Code"), required=True, max_length=64),
        Field("label", TEXT, N_("Label"), required=True),
        Field("labels", JSON, N_("Translations"), help=N_("Label per language code")),
        Field("parent", TEXT, N_("Parent code"), max_length=64, help=N_("A country's region, an objective's goal")),
        Field("description", LONGTEXT, N_("Description")),
        Field("position", INT, N_("Position"), default=0),
    ),
)

PRACTICE = Entity(
    "practice", N_("Practice"), N_("Practices"), order_by="title", reviewed=("review_status", "review_comment"),
    fields=(
        Field("title", TEXT, N_("Title"), required=True, search="title", wocat="name", translatable=True),
        Field("summary", LONGTEXT, N_("Summary"), search="body", max_length=2000, wocat="definition", translatable=True),
        Field("description", LONGTEXT, N_("Description"), search="body", wocat="description", translatable=True),
        Field("family", CHOICE, N_("Practice family"), required=True, ref_list="practice_family"),
        Field("conceptual_basis", CHOICE, N_("Conceptual basis"), choices=CONCEPTUAL_BASES),
        Field("results", LONGTEXT, N_("Results obtained"), search="body", translatable=True),
        Field("soc_impact", SCORE, N_("Impact on soil organic carbon"), wocat="impacts.soil_organic_matter"),
        Field("soil_health_impact", SCORE, N_("Impact on soil health"), wocat="impacts.soil"),
        Field("yield_impact", SCORE, N_("Impact on yields"), wocat="impacts.crop_production"),
        Field("adaptation_impact", SCORE, N_("Impact on adaptation"), wocat="climate_change.resilience"),
        Field("soc_change", DECIMAL, N_("Measured SOC change"), minimum=-20, maximum=20, unit="t C/ha/yr"),
        Field("land_use", CHOICE, N_("Land-use type"), ref_list="land_use", wocat="land_use.current"),
        Field("slm_measures", MULTI, N_("SLM measures"), choices=SLM_MEASURES, wocat="slm_measures"),
        Field("degradation", MULTI, N_("Degradation addressed"), choices=DEGRADATION_TYPES, wocat="degradation"),
        Field("climate_zone", CHOICE, N_("IPCC climate zone"), ref_list="climate_zone"),
        Field("soil_group", CHOICE, N_("WRB soil group"), ref_list="soil_group"),
        _country(required=True),
        _region(),
        Field("location", TEXT, N_("Location"), search="body"),
        *_lat_lon(),
        Field("area_ha", DECIMAL, N_("Area"), minimum=0, unit="ha", wocat="area"),
        Field("farmers", INT, N_("Farmers applying it"), minimum=0, wocat="adoption.land_users"),
        Field("adoption", CHOICE, N_("Adoption"), choices=ADOPTION_LEVELS, wocat="adoption.extent"),
        Field("establishment_cost", DECIMAL, N_("Establishment cost per hectare"), minimum=0, wocat="costs.establishment"),
        Field("maintenance_cost", DECIMAL, N_("Yearly maintenance cost per hectare"), minimum=0, wocat="costs.maintenance"),
        Field("currency", TEXT, N_("Currency"), max_length=3),
        Field("links", URLS, N_("Tutorials and links")),
        Field("organisation_id", REF, N_("Contributed by"), ref="organisation"),
        _written_in(default="en"),
        Field("objectives", MULTI, N_("Strategic objectives"), ref_list="strategic_objective"),
        Field("review_status", CHOICE, N_("Review status"), choices=REVIEW_STATUSES, default="draft"),
        Field("review_comment", LONGTEXT, N_("Reviewer's comment")),
    ),
)

PRACTICE_MEDIA = Entity(
    "practice_media", N_("Practice attachment"), N_("Practice attachments"), scope=None,
    parent="practice_id", title="file_name", fields=_media_fields("practice"),
)

ORGANISATION = Entity(
    "organisation", N_("Organisation"), N_("Organisations"), title="name", order_by="name",
    fields=(
        Field("name", TEXT, N_("Name"), required=True, search="title"),
        Field("acronym", TEXT, N_("Acronym"), max_length=30, search="title"),
        Field("membership", CHOICE, N_("Partner or member"), required=True, choices=MEMBERSHIPS, default="partner"),
        Field("org_type", CHOICE, N_("Organisation type"), required=True, ref_list="org_type"),
        Field("college", CHOICE, N_("College"), ref_list="college"),
        _country(required=True),
        _region(),
        Field("city", TEXT, N_("City"), search="body"),
        *_lat_lon(),
        Field("website", URL, N_("Website")),
        Field("email", EMAIL, N_("Email")),
        Field("joined_on", DATE, N_("Date joined")),
        Field("notes", LONGTEXT, N_("Notes"), search="body"),
    ),
)

CONTACT = Entity(
    "contact", N_("Contact"), N_("Contacts"), title="full_name", order_by="full_name", parent="organisation_id",
    fields=(
        Field("full_name", TEXT, N_("Name"), required=True, search="title"),
        Field("organisation_id", REF, N_("Organisation"), ref="organisation"),
        Field("role", TEXT, N_("Role"), search="body"),
        Field("email", EMAIL, N_("Email"), search="body"),
        Field("phone", TEXT, N_("Phone"), max_length=40),
        Field("languages", MULTI, N_("Languages"), ref_list="language"),
        Field("gender", CHOICE, N_("Gender"), choices=GENDERS),
        _country(),
        _region(),
        Field("notes", LONGTEXT, N_("Notes"), search="body"),
    ),
)

PROJECT = Entity(
    "project", N_("Project"), N_("Projects"), order_by="title", reviewed=("status",),
    fields=(
        Field("title", TEXT, N_("Title"), required=True, search="title", translatable=True),
        Field("holder_id", REF, N_("Holder organisation"), ref="organisation"),
        _country(required=True),
        _region(),
        Field("status", CHOICE, N_("Status"), required=True, choices=PROJECT_STATUSES, default="draft"),
        Field("call_year", INT, N_("Call for projects"), minimum=2015, maximum=2100),
        Field("start_date", DATE, N_("Start date")),
        Field("end_date", DATE, N_("End date")),
        Field("budget", DECIMAL, N_("Budget"), minimum=0),
        Field("currency", TEXT, N_("Currency"), max_length=3, default="EUR"),
        Field("summary", LONGTEXT, N_("Summary"), search="body", translatable=True),
        _written_in(),
        Field("objectives", MULTI, N_("Strategic objectives"), ref_list="strategic_objective"),
    ),
)

FORM_DEFINITION = Entity(
    "form_definition", N_("Form template"), N_("Form templates"), scope=None, admin_only=True, order_by="form_id",
    fields=(
        Field("form_id", TEXT, N_("Form identifier"), required=True, max_length=64),
        Field("version", INT, N_("Version"), required=True, minimum=1),
        Field("title", TEXT, N_("Title"), required=True),
        Field("status", CHOICE, N_("Status"), choices=FORM_STATUSES, default="published"),
        Field("published_at", DATETIME, N_("Published")),
        Field("definition", JSON, N_("Definition"), required=True),
    ),
)

FORM_SUBMISSION = Entity(
    "form_submission", N_("Form submission"), N_("Form submissions"), title="title", order_by="title",
    reviewed=("review_state", "review_comment"),
    fields=(
        Field("definition_id", REF, N_("Form template"), required=True, ref="form_definition"),
        Field("form_id", TEXT, N_("Form identifier"), required=True, max_length=64),
        Field("form_version", INT, N_("Form version"), required=True, minimum=1),
        Field("title", TEXT, N_("Title"), required=True, search="title"),
        Field("project_id", REF, N_("Project"), ref="project"),
        _country(),
        _region(),
        Field("answers", JSON, N_("Answers"), default={}),
        Field("status", CHOICE, N_("Status"), choices=SUBMISSION_STATUSES, default="draft"),
        Field("review_state", CHOICE, N_("Review state"), choices=SUBMISSION_REVIEW),
        Field("review_comment", LONGTEXT, N_("Reviewer's comment")),
    ),
)

MEETING = Entity(
    "meeting", N_("Meeting"), N_("Meetings"), order_by="starts_on",
    fields=(
        Field("title", TEXT, N_("Title"), required=True, search="title", translatable=True),
        Field("meeting_type", CHOICE, N_("Type"), required=True, choices=MEETING_TYPES, default="workshop"),
        Field("starts_on", DATE, N_("Start"), required=True),
        Field("ends_on", DATE, N_("End")),
        Field("place", TEXT, N_("Place"), search="body"),
        _country(),
        _region(),
        Field("organisers", TEXT, N_("Organisers"), search="body"),
        Field("summary", LONGTEXT, N_("Summary"), search="body", translatable=True),
        _written_in(),
        Field("objectives", MULTI, N_("Strategic objectives"), ref_list="strategic_objective"),
    ),
)

MEETING_MEDIA = Entity(
    "meeting_media", N_("Meeting attachment"), N_("Meeting attachments"), scope=None,
    parent="meeting_id", title="file_name", fields=_media_fields("meeting"),
)

MEETING_PARTICIPANT = Entity(
    "meeting_participant", N_("Participant"), N_("Participants"), scope=None, parent="meeting_id",
    title="name", order_by="name",
    fields=(
        Field("meeting_id", REF, N_("Meeting"), required=True, ref="meeting"),
        Field("contact_id", REF, N_("Contact"), ref="contact"),
        Field("name", TEXT, N_("Name"), required=True),
        Field("organisation_name", TEXT, N_("Organisation")),
        Field("gender", CHOICE, N_("Gender"), choices=GENDERS, default="undisclosed"),
        Field("age_group", CHOICE, N_("Age group"), choices=AGE_GROUPS, default="adult"),
    ),
)

AGENDA_ITEM = Entity(
    "agenda_item", N_("Agenda item"), N_("Agenda items"), scope=None, parent="meeting_id", order_by="position",
    fields=(
        Field("meeting_id", REF, N_("Meeting"), required=True, ref="meeting"),
        Field("position", INT, N_("Position"), default=0),
        Field("title", TEXT, N_("Title"), required=True),
        Field("discussion", LONGTEXT, N_("Discussion points")),
    ),
)

DECISION = Entity(
    "decision", N_("Decision"), N_("Decisions"), scope=None, parent="meeting_id", title="text",
    fields=(
        Field("meeting_id", REF, N_("Meeting"), required=True, ref="meeting"),
        Field("agenda_item_id", REF, N_("Agenda item"), ref="agenda_item"),
        Field("text", LONGTEXT, N_("Decision"), required=True, max_length=5000),
        Field("outcome", CHOICE, N_("Outcome"), required=True, choices=DECISION_OUTCOMES, default="adopted"),
    ),
)

ACTION_ITEM = Entity(
    "action_item", N_("Action item"), N_("Action items"), scope=None, parent="meeting_id", title="text",
    order_by="due_on",
    fields=(
        Field("meeting_id", REF, N_("Meeting"), required=True, ref="meeting"),
        Field("text", LONGTEXT, N_("Action"), required=True, max_length=5000),
        Field("owner_contact_id", REF, N_("Owner"), ref="contact"),
        Field("owner_name", TEXT, N_("Owner's name")),
        Field("due_on", DATE, N_("Due date")),
        Field("status", CHOICE, N_("Status"), choices=ACTION_STATUSES, default="open"),
    ),
)

MEETING_PRACTICE = Entity(
    "meeting_practice", N_("Practice captured"), N_("Practices captured"), scope=None, parent="meeting_id",
    title="note",
    fields=(
        Field("meeting_id", REF, N_("Meeting"), required=True, ref="meeting"),
        Field("practice_id", REF, N_("Practice"), required=True, ref="practice"),
        Field("note", TEXT, N_("Note")),
    ),
)

# Order matters: a row's references point to entities listed before it, so an initial
# sync or an import can apply tables in this order.
ENTITIES: tuple[Entity, ...] = (
    REFERENCE, ORGANISATION, CONTACT, PRACTICE, PRACTICE_MEDIA, PROJECT, FORM_DEFINITION,
    FORM_SUBMISSION, MEETING, MEETING_MEDIA, MEETING_PARTICIPANT, AGENDA_ITEM, DECISION,
    ACTION_ITEM, MEETING_PRACTICE,
)
BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}
SEARCHED = tuple(e for e in ENTITIES if e.searchable and e.name in ("practice", "organisation", "contact", "meeting"))


def entity(name: str) -> Entity:
    """The entity called `name`; KeyError names the unknown table."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown entity {name!r}") from None


def scope_path(e: Entity) -> list[tuple[Entity, str]]:
    """How to find a row's region: follow `parent` links until an entity with its own
    region field. Returns the (entity, ref field) hops; empty when the row has its own."""
    hops: list[tuple[Entity, str]] = []
    current = e
    while current.scope is None and current.parent is not None:
        hops.append((current, current.parent))
        current = BY_NAME[current.field(current.parent).ref or ""]
    return hops


def is_global(e: Entity) -> bool:
    """Global rows (reference data, form templates) reach every user."""
    current = e
    while current.scope is None and current.parent is not None:
        current = BY_NAME[current.field(current.parent).ref or ""]
    return current.scope is None


def _check() -> None:
    for e in ENTITIES:
        for f in e.fields:
            if f.ref:
                assert f.ref in BY_NAME, f"{e.name}.{f.name} -> {f.ref}"
            if f.ref_list:
                assert f.ref_list in REFERENCE_LISTS, f"{e.name}.{f.name}: {f.ref_list}"


_check()
