from os1.plugins import Registry, load_skill, registry


def test_every_builtin_skill_loads() -> None:
    reg = registry()
    assert reg.problems == []
    assert {"embedded", "openai"} <= set(reg.backends)
    assert all(t.name == name for name, t in reg.tools.items())


def test_a_broken_skill_is_recorded_not_fatal() -> None:
    reg = Registry()
    load_skill(reg, "os1.skills.does_not_exist")
    assert reg.problems and "does_not_exist" in reg.problems[0]
