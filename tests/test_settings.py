"""Start-up behaviour that depends on the environment, checked in fresh processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

PROJECT_DIR = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    clean_env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {
            "SECRET_KEY",
            "DEBUG",
            "HTTPS",
            "ALLOWED_HOSTS",
            "EMAIL_HOST",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=clean_env | {"ENV_FILE": ""} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_outside_debug_stops_start_up_with_a_clear_message():
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_env_file_supplies_what_the_environment_lacks(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=from-the-env-file-0123456789-abcdefghijklmnopqrstuvwxyz\n")
    result = run_manage("check", ENV_FILE=str(env_file))
    assert result.returncode == 0, result.stderr


def test_debug_runs_without_a_secret_key():
    result = run_manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_malformed_boolean_is_reported_by_name():
    result = run_manage("check", DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_deploy_check_is_clean_in_the_production_like_environment():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS="1",
        ALLOWED_HOSTS="awesome.example.org",
        SECRET_KEY="x7Gq2kLp9vRt4mZs8bNc1wYe6hJd3fUa5oKi0nXr2TgVb7LqPz",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_flags_plain_http_and_the_console_mailer():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS="0",
        ALLOWED_HOSTS="awesome.example.org",
        SECRET_KEY="x7Gq2kLp9vRt4mZs8bNc1wYe6hJd3fUa5oKi0nXr2TgVb7LqPz",
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security.W008" in output  # no redirect to HTTPS
    assert "mail.E001" in output


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
