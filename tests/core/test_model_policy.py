"""The operator's model allow-list (core.embed.policy, CORPUS_COMPASS_MODELS)."""

from __future__ import annotations

import os

import pytest

from core.embed.policy import MODELS_ENV, allowed_models, check_model_allowed
from core.exceptions import ParameterError


def test_the_list_is_read_from_the_environment_and_blank_means_unset():
    assert allowed_models({}) is None
    assert allowed_models({MODELS_ENV: "  , ,"}) is None
    assert allowed_models({MODELS_ENV: " org/a , /srv/m,,org/a "}) == ("org/a", "/srv/m")


def test_without_a_list_every_model_is_accepted():
    for name in ("default", "org/model", "/etc", "../../x"):
        check_model_allowed(name, None)


def test_default_and_fast_are_always_accepted():
    for name in ("default", "fast", " Default "):
        check_model_allowed(name, ("org/only",))


def test_listed_names_are_accepted_exactly_and_folders_by_resolved_path(tmp_path):
    folder = tmp_path / "models" / "e5"
    folder.mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(folder)
    allowed = ("org/model", str(folder))
    check_model_allowed("org/model", allowed)
    check_model_allowed(" org/model ", allowed)
    check_model_allowed(str(folder) + "/", allowed)
    check_model_allowed(str(tmp_path / "models" / "." / "e5"), allowed)
    check_model_allowed(str(link), allowed)  # the same folder through a symbolic link
    for refused in ("Org/Model", "org/model2", "org", str(folder.parent), str(folder / "..")):
        with pytest.raises(ParameterError):
            check_model_allowed(refused, allowed)


def test_the_refusal_lists_the_accepted_models_and_reveals_nothing_about_paths(tmp_path):
    existing, missing = str(tmp_path), str(tmp_path / "no-such-folder")
    messages = []
    for name in (existing, missing, "/etc/passwd"):
        with pytest.raises(ParameterError) as info:
            check_model_allowed(name, ("org/model",))
        messages.append(str(info.value))
    # the same words whether the path exists or not, and none of the user's input echoed back
    assert len(set(messages)) == 1
    assert messages[0] == ("this server accepts only these models: default, fast, org/model (a list set by "
                           "whoever runs it, in CORPUS_COMPASS_MODELS); choose one of them")
    assert not any(part in messages[0] for part in (existing, "passwd"))


def test_a_non_string_model_is_a_parameter_error():
    with pytest.raises(ParameterError, match="model must be a string"):
        check_model_allowed(None, ("a",))  # type: ignore[arg-type]


def test_the_environment_of_this_process_is_used_by_default(monkeypatch):
    monkeypatch.setenv(MODELS_ENV, "org/x")
    assert allowed_models() == ("org/x",)
    monkeypatch.delenv(MODELS_ENV)
    assert allowed_models() is None and MODELS_ENV not in os.environ
