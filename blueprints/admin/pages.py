"""Admin: the site's own pages (L'association, FAQ, Contact, Mentions légales), in
Markdown. *Aperçu* shows the text as visitors will read it, without saving it."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from blueprints.admin import bp
from blueprints.forms import length, letter_text, one_line, one_newline, strip
from services import site_pages

SAVED = _l("La page est enregistrée.")


class PageForm(FlaskForm):
    """Titre, Texte."""

    title = StringField(_l("Titre"), filters=[strip], validators=[
        DataRequired(_l("Le titre ne peut pas être vide.")), length(200), one_line])
    body = TextAreaField(_l("Texte"), filters=[one_newline, strip], validators=[
        length(50000, minimum=0), letter_text],
        description=_l("En Markdown : **gras**, *italique*, listes, liens, ## intertitres."))


def page_or_404(slug):
    page = site_pages.find(slug)
    if page is None:
        abort(404)
    return page


@bp.get("/pages")
def pages():
    """Every page of the site, stored or still to write."""
    return render_template("admin/pages/index.html", pages=site_pages.listed(),
                           legal_notice=site_pages.LEGAL_NOTICE)


@bp.route("/pages/<slug>", methods=["GET", "POST"])
def edit_page(slug):
    """The page's form; Enregistrer saves it, Aperçu only shows it."""
    page = page_or_404(slug)
    form = PageForm(obj=page)
    preview = request.form.get("action") == "preview"
    if not form.validate_on_submit() or preview:
        status = 422 if form.errors else 200
        return make_response(render_template(
            "admin/pages/edit.html", form=form, page=page, preview=preview and not form.errors,
            legal_notice=site_pages.LEGAL_NOTICE), status)
    site_pages.save(current_user, slug, form.title.data, form.body.data)
    flash(str(SAVED), "success")
    return redirect(url_for(".edit_page", slug=slug), 303)
