"""personalise/ owns how a patient's values reach a page (issue 22): the api's entry (build with a
patient) gives the same handout whichever route it takes. Stamped and full renders differ in bytes by
design (test_stamp.py), so: a stampable name gives the same bytes whether its template is made now or
kept from before, and reads and looks as the full render does; a name that cannot be stamped (another
script, or too wide) gives exactly the full render's bytes."""

from __future__ import annotations

from ivig_handout import api, personalise
from ivig_handout.api import Patient, Request

from .pdfcheck import page_texts
from .test_stamp import _pixels

ARABIC = "محمد علي"


def test_a_stampable_name_gives_the_same_bytes_with_its_template_made_or_kept() -> None:
    request = Request("gbs", "letter", patient=Patient("Ana Lima", "1 December 2026"))
    personalise.forget()
    fresh = api.build(request)
    kept = api.build(request)  # the template and its prepared form kept in memory this time
    assert fresh.data == kept.data
    assert personalise.stamp_values(api.template_for(request).slots, request.patient) is not None  # stamped
    full = api.build(request, stamp=False)
    assert fresh.data != full.data  # made another way ...
    assert page_texts(fresh.data) == page_texts(full.data)  # ... reading the same
    assert _pixels(fresh.data) == _pixels(full.data)
    assert "Ana Lima" in " ".join(page_texts(fresh.data))


def test_a_name_in_another_script_takes_the_full_render_route() -> None:
    request = Request("gbs", "letter", patient=Patient(ARABIC, "1 December 2026"))
    assert not personalise.stamp_values(api.template_for(request).slots, Patient(ARABIC, "1 December 2026"))
    assert api.build(request).data == api.build(request, stamp=False).data


def test_a_print_run_member_reads_as_its_handout_made_alone() -> None:
    patient = Patient("Ana Lima", "1 December 2026")
    request = Request("mg", "letter", patient=patient)
    member = api.run_member(api.template_for(request), patient)
    assert member is not None
    alone = api.build(request, stamp=False).data
    run = api.print_run([(member, 1)])
    assert page_texts(run)[:len(page_texts(alone))] == page_texts(alone)
