"""The bureau's answer templates are data: seeded once, then kept by the staff."""

from __future__ import annotations

import pytest

from renovation import answer_templates as store


def test_a_new_installation_starts_with_the_defaults_once(runtime):
    texts = [t.text for t in store.list_templates(runtime.engine)]
    assert texts == list(store.DEFAULTS)
    store.remove_template(runtime.engine, store.list_templates(runtime.engine)[0].id)
    runtime.create_tables()  # a restart does not bring a deleted template back
    assert len(store.list_templates(runtime.engine)) == len(store.DEFAULTS) - 1


def test_templates_are_added_changed_and_removed_with_who_did_it(runtime):
    added = store.add_template(runtime.engine, "  已转交供电公司处理。 ", by="user:zhang")
    assert added.text == "已转交供电公司处理。" and added.updated_by == "user:zhang"
    changed = store.change_template(runtime.engine, added.id, "已转交供电公司。", by="user:li")
    assert changed.text == "已转交供电公司。" and changed.updated_by == "user:li"
    store.remove_template(runtime.engine, added.id)
    with pytest.raises(store.UnknownTemplateError) as missing:
        store.get_template(runtime.engine, added.id)
    assert missing.value.code == "unknown_answer_template"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("   ", "required"), ("字" * 501, "too_long"), (store.DEFAULTS[0], "answer_template_exists")],
)
def test_bad_template_texts_are_refused_and_nothing_is_kept(runtime, text, reason):
    before = store.list_templates(runtime.engine)
    with pytest.raises(store.TemplateError) as refused:
        store.add_template(runtime.engine, text, by="user:zhang")
    assert refused.value.code == reason and refused.value.field == "text"
    assert store.list_templates(runtime.engine) == before
