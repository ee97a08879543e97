"""The OpenAPI 3.0 document of /api/v1, built from the open-data tables' declarations so that the
document and the rows cannot drift apart (tests run schemathesis against it)."""
from ..archive.models import ResponseStatus
from ..archive.opendata import TABLES
from ..archive.search import FIRST_YEAR, LAST_YEAR
from ..ideathons.themes import ICONS, interface_languages
from ..municipalities.services import departments

TYPES = {"integer": {"type": "integer"}, "string": {"type": "string"}, "boolean": {"type": "boolean"},
         "date": {"type": "string", "format": "date"}, "datetime": {"type": "string", "format": "date-time"}}


def _schema(table: str, extra: dict | None = None) -> dict:
    properties = {f.name: {**TYPES[f.type], "description": f.description} for f in TABLES[table]}
    properties.update(extra or {})
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def _page(ref: str) -> dict:
    return {"type": "object", "required": ["items", "page", "per_page", "total", "pages"], "additionalProperties": False,
            "properties": {"items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
                           "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
                           "total": {"type": "integer", "minimum": 0}, "pages": {"type": "integer", "minimum": 0}}}


def _ok(ref: str, description: str) -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}}


def _get(summary: str, parameters: list, responses: dict, not_found: bool = False) -> dict:
    if not_found:
        responses = {**responses, "404": {"$ref": "#/components/responses/NotFound"}}
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


PAGE = [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}]
CODE = {"name": "municipality", "in": "query", "required": False, "description": "Código INE (4 dígitos)",
        "schema": {"type": "string", "pattern": "^[0-9]{4}$"}}
YEAR = {"name": "year", "in": "query", "required": False,
        "schema": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR}}
PUBLIC_ID = {"name": "public_id", "in": "query", "required": False,
             "description": "Identificador público de la ideatón (UUID, en minúsculas)",
             "schema": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}}
# Every value the API refuses is refused here first: a parameter out of its schema answers 400 (a NUL
# character anywhere in a request too: ideaboard/inputs.py), an unknown id or code 404.
NO_NUL = "^[^\\u0000]*$"


def document() -> dict:
    municipality = {"type": "object", "additionalProperties": False,
                    "required": ["code", "name", "department", "is_pilot", "ideathons", "proposals"],
                    "properties": {"code": {"type": "string", "pattern": "^[0-9]{4}$"}, "name": {"type": "string"},
                                   "department": {"type": "string"}, "is_pilot": {"type": "boolean"},
                                   "ideathons": {"type": "integer", "minimum": 0},
                                   "proposals": {"type": "integer", "minimum": 0}}}
    statuses = [s.value for s in ResponseStatus]
    languages = interface_languages()
    theme_names = {"type": "object", "additionalProperties": False,
                   "description": "El nombre del tema en cada idioma de la interfaz, como lo leen quienes usan ese "
                                  "idioma: el que dio quien planificó para ese idioma, si no la traducción de un tema "
                                  "predeterminado, si no el nombre del tema. Vacío si la propuesta no tiene tema.",
                   "properties": {language: {"type": "string"} for language in languages}}
    error = {"type": "object", "required": ["error", "status"], "properties": {
        "error": {"type": "string"}, "status": {"type": "integer"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Ideaboard: archivo de ideatones", "version": "1.0.0",
                 "description": "Datos abiertos de solo lectura: municipios, ideatones archivadas, propuestas, "
                                "respuestas de las municipalidades y estadísticas. Solo totales: sin nombres de "
                                "participantes ni quién votó qué.",
                 "license": {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}},
        "paths": {
            "/api/v1/municipalities": _get("Municipios, con sus ideatones y propuestas", [
                *PAGE, {"name": "department", "in": "query", "required": False, "description": "Departamento",
                        "schema": {"type": "string", "enum": list(departments())}}],
                _ok("#/components/schemas/MunicipalityPage", "Una página de municipios")),
            "/api/v1/municipalities/{code}": _get("Un municipio", [
                {"name": "code", "in": "path", "required": True, "description": "Código INE (4 dígitos)",
                 "schema": {"type": "string", "pattern": "^[0-9]{4}$"}}],
                _ok("#/components/schemas/Municipality", "El municipio"), not_found=True),
            "/api/v1/ideathons": _get("Ideatones archivadas", [*PAGE, CODE, YEAR, PUBLIC_ID],
                                      _ok("#/components/schemas/IdeathonPage", "Una página de ideatones")),
            "/api/v1/ideathons/{id}": _get("Una ideatón archivada", [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                _ok("#/components/schemas/IdeathonDetail", "La ideatón"), not_found=True),
            "/api/v1/ideathons/{id}/ideas": _get("Las ideas del tablero al cierre, en su idioma, con las traducciones "
                                                 "de la moderación", [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}, *PAGE],
                _ok("#/components/schemas/IdeaPage", "Una página de ideas"), not_found=True),
            "/api/v1/proposals": _get("Propuestas archivadas: búsqueda y filtros", [
                *PAGE, CODE, YEAR,
                {"name": "q", "in": "query", "required": False, "description": "Palabras (sin importar tildes)",
                 "schema": {"type": "string", "maxLength": 200, "pattern": NO_NUL}},
                {"name": "theme", "in": "query", "required": False, "description": "Servicio municipal (ícono del tema)",
                 "schema": {"type": "string", "enum": list(ICONS)}},
                {"name": "status", "in": "query", "required": False, "schema": {"type": "string", "enum": statuses}}],
                _ok("#/components/schemas/ProposalPage", "Una página de propuestas")),
            "/api/v1/proposals/{id}": _get("Una propuesta y sus respuestas", [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                _ok("#/components/schemas/ProposalDetail", "La propuesta"), not_found=True),
            "/api/v1/responses": _get("Respuestas de las municipalidades, de la más reciente a la más antigua",
                                      [*PAGE, CODE], _ok("#/components/schemas/ResponsePage", "Una página de respuestas")),
            "/api/v1/statistics": _get("Totales del archivo", [], {"200": {
                "description": "Totales", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Statistics"}}}}}),
        },
        "components": {
            "parameters": {
                "page": {"name": "page", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
                "per_page": {"name": "per_page", "in": "query", "required": False,
                             "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            },
            "responses": {
                "BadRequest": {"description": "Parámetro no válido",
                               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "NotFound": {"description": "No existe (o no está archivada)",
                             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
            "schemas": {
                "Error": error,
                "Municipality": municipality,
                "MunicipalityPage": _page("Municipality"),
                "Ideathon": _schema("ideathons"),
                "IdeathonPage": _page("Ideathon"),
                "IdeathonDetail": _schema("ideathons", {"proposal_ids": {"type": "array", "items": {"type": "integer"}}}),
                "Idea": _schema("ideas", {"translations": {
                    "type": "array", "description": "Traducciones de la moderación (no son texto de quien la escribió)",
                    "items": {"$ref": "#/components/schemas/IdeaTranslation"}}}),
                "IdeaPage": _page("Idea"),
                "IdeaTranslation": _schema("idea_translations"),
                "Proposal": _schema("proposals", {"theme_names": theme_names}),
                "ProposalPage": _page("Proposal"),
                "ProposalDetail": _schema("proposals", {"theme_names": theme_names, "responses": {"type": "array", "items": {"$ref": "#/components/schemas/Response"}}}),
                "Response": _schema("responses"),
                "ResponsePage": _page("Response"),
                "Statistics": {"type": "object", "additionalProperties": False, "required": [
                    "municipalities_with_archived_ideathons", "archived_ideathons", "participants", "ideas", "dots",
                    "paper_dots", "proposals", "proposals_answered", "proposals_by_status"],
                    "properties": {**{k: {"type": "integer", "minimum": 0} for k in (
                        "municipalities_with_archived_ideathons", "archived_ideathons", "participants", "ideas", "dots",
                        "paper_dots", "proposals", "proposals_answered")},
                        "proposals_by_status": {"type": "object", "required": statuses, "additionalProperties": False,
                                                "properties": {s: {"type": "integer", "minimum": 0} for s in statuses}}}},
            },
        },
    }
