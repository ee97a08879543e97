"""The template helpers that keep the board cheap (ideaboard/rendering.py, ideaboard/i18n.py) render
exactly what the macro and Jinja's own i18n functions rendered."""
from flask import render_template_string
from flask_babel import force_locale

# The icon macro as _macros.html defined it before it became a function.
ICON_MACRO = """{% macro icon(name, label=None) -%}
<svg class="icon" {% if label %}role="img" aria-label="{{ label }}"{% else %}aria-hidden="true" focusable="false"{% endif %}><use href="{{ url_for('static', filename='img/icons.svg') }}#{{ name }}"></use></svg>
{%- endmacro %}"""


def test_icon_is_the_macro_byte_for_byte(app):
    with app.test_request_context("/"):
        macro = app.jinja_env.from_string(ICON_MACRO).module.icon
        for args in [("check",), ("check",), ('a<b"&',), ("user", "Etiqueta «b» & <c>"), (None,), ("edit", "")]:
            expected = str(macro(*args))
            imported = render_template_string('{% from "_macros.html" import icon %}{{ icon(*args) }}', args=args)
            bare = render_template_string("{{ icon(*args) }}", args=args)
            assert imported == bare == expected


def test_urls_are_built_once_per_request_and_stay_right(app):
    template = ("{{ url_for('rooms.board', ideathon_id=n) }} {{ url_for('rooms.board', ideathon_id=m) }} "
                "{{ url_for('rooms.board', ideathon_id=n, _anchor='x') }}")
    with app.test_request_context("/"):
        assert render_template_string(template, n=1, m=2) == "/sala/1 /sala/2 /sala/1#x"
        assert render_template_string(template, n=3, m=1) == "/sala/3 /sala/1 /sala/3#x"
    with app.test_request_context("/", base_url="http://localhost/prefijo"):
        assert render_template_string(template, n=1, m=2) == "/prefijo/sala/1 /prefijo/sala/2 /prefijo/sala/1#x"


def test_template_gettext_keeps_jinja_newstyle_rules(app):
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert render_template_string("{{ _('Enviar') }}|{{ _('Enviar') }}") == "Enviar|Enviar"
        # Autoescaped: variables are escaped, the message is not; %% is % even without variables.
        assert render_template_string("{{ _('a <b>%(x)s</b>', x='<i>') }}") == "a <b>&lt;i&gt;</b>"
        assert render_template_string("{{ _('100%%') }}") == "100%"
        assert render_template_string("{{ ngettext('%(num)d idea', '%(num)d ideas', 2) }}") == "2 ideas"
        assert render_template_string("{{ ngettext('%(num)d idea', '%(num)d ideas', 1) }}") == "1 idea"
        # A broadcast renders once per language in one context: each language its own catalogue.
        with force_locale("en"):
            english = render_template_string("{{ _('Enviar') }} {{ ngettext('%(num)d idea', '%(num)d ideas', 3) }}")
        assert english == "Send 3 ideas"
        assert render_template_string("{{ _('Enviar') }}") == "Enviar"


def test_an_anonymous_author_is_named_in_the_viewers_language(app):
    from flask_babel import gettext

    from ideaboard.rooms.models import Participant

    with app.test_request_context("/"):
        assert Participant(nickname="").display_name == gettext("Anónimo") == "Anónimo"
        with force_locale("en"):
            assert Participant(nickname="").display_name == gettext("Anónimo") == "Anonymous"
        assert Participant(nickname="Ana").display_name == "Ana"


def test_client_ids_are_random_version_4_uuids():
    import uuid

    from ideaboard.ideas.forms import new_client_id

    seen = {new_client_id() for _ in range(2000)}
    assert len(seen) == 2000
    for text in seen:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
