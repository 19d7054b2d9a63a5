"""Settings, the secret key, the programme file and the region: start-up refuses what is wrong, in one line."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.app import read_programme, read_region
from bot.logging_setup import NikMaskingFilter
from bot.secret_key import KEY_FILE_NAME, resolve_secret_key
from bot.settings import DEFAULT_PROGRAMME, SettingsError, load_settings
from conversations.programme import ProgrammeError, load_programme
from conversations.regions import RegionError, parse_region
from db.personal_data import PersonalDataCipher

PROGRAMME_TEXT = DEFAULT_PROGRAMME.read_text(encoding="utf-8")
NATIONAL_TEXT = (DEFAULT_PROGRAMME.parent / "national-bpu.toml").read_text(encoding="utf-8")


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "JARING_PROGRAM_FILE", "JARING_ENV", "JARING_LOG_LEVEL", "JARING_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JARING_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_defaults_are_a_sqlite_file_in_the_data_folder_and_the_bundled_programme(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{clean_env / 'data' / 'jaring.db'}"
    assert settings.program_file == DEFAULT_PROGRAMME
    assert settings.log_level == "INFO"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("JARING_LOG_LEVEL", "LOUD", "invalid setting JARING_LOG_LEVEL:"),
        ("DATABASE_URL", "mysql://x", "invalid setting DATABASE_URL: Value error, must start with"),
        ("JARING_ENV", "staging", "invalid setting JARING_ENV:"),
        ("JARING_PROGRAM_FILE", "/nope/programme.toml", "invalid setting JARING_PROGRAM_FILE: no file at"),
    ],
)
def test_an_invalid_setting_is_named(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value)


def test_settings_are_read_from_a_dotenv_file(clean_env: Path) -> None:
    (clean_env / ".env").write_text("JARING_LOG_LEVEL=debug\n", encoding="utf-8")
    assert load_settings().log_level == "DEBUG"


def test_production_needs_a_secret_key(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JARING_ENV", "production")
    with pytest.raises(SettingsError, match="missing setting JARING_SECRET_KEY"):
        load_settings()


def test_in_development_a_key_is_generated_once_into_the_data_folder_with_a_warning(
    clean_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings()
    with caplog.at_level(logging.WARNING):
        first = resolve_secret_key(settings)
    second = resolve_secret_key(settings)
    key_file = clean_env / "data" / KEY_FILE_NAME
    assert first == second == key_file.read_bytes().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "JARING_SECRET_KEY is not set" in caplog.text
    Fernet(first)


def test_a_given_key_is_used_and_a_malformed_one_refused(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("JARING_SECRET_KEY", key)
    assert resolve_secret_key(load_settings()) == key.encode()
    assert not (clean_env / "data" / KEY_FILE_NAME).exists()
    monkeypatch.setenv("JARING_SECRET_KEY", "hunter2")
    with pytest.raises(SettingsError, match="invalid setting JARING_SECRET_KEY"):
        resolve_secret_key(load_settings())


def test_the_bundled_programme_has_the_figures_of_program_md() -> None:
    p = load_programme(PROGRAMME_TEXT, base_text=NATIONAL_TEXT)
    assert p.premium.monthly == 16_800
    assert (p.premium.jkk, p.premium.jkm) == (10_000, 6_800)
    assert p.benefits.jkm.total == 42_000_000
    assert p.benefits.jkm.periodic_total == 12_000_000
    assert p.benefits.jkk_death_total(p.premium.declared_income) == 70_000_000
    assert p.benefits.scholarship.per_child_total == 87_000_000
    assert p.benefits.scholarship.max_children * p.benefits.scholarship.per_child_total == 174_000_000
    assert (p.eligibility.min_age, p.eligibility.max_age) == (18, 65)
    assert (p.claims.jkm_payment_working_days, p.claims.jkk_payment_working_days) == (3, 7)
    assert p.benefits.jkk.claim_deadline_years == 5
    assert p.call_centre == "175"
    quota = p.quota_for(2023)
    assert quota is not None
    assert quota.places == 1000
    assert {"tukang_becak", "buruh_batik", "marbot", "penggali_kubur", "pedagang_keliling"} <= {
        j.id for j in p.job_types
    }


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("[premium]", '[premium]\njkm = "enam ribu"'), "premium.jkm: Input should be a valid integer"),
        (('id = "tukang_sampah"', 'id = "tukang_becak"'), "job_types: 'tukang_becak' appears twice"),
        (("max_age = 65", "max_age = 15"), "min_age (18) is above max_age (15)"),
        (('timezone = "Asia/Jakarta"', 'timezone = "Mars/Olympus"'), "timezone: Value error, unknown time zone"),
        (('call_centre = "175"', 'call_center = "175"'), "call_centre: Field required"),
        (("[eligibility]", "[eligibility"), "not valid TOML"),
    ],
)
def test_an_invalid_programme_file_names_the_field_and_the_problem(change: tuple[str, str], named: str) -> None:
    old, new = change
    assert old in PROGRAMME_TEXT
    with pytest.raises(ProgrammeError) as error:
        load_programme(PROGRAMME_TEXT.replace(old, new, 1), source="kota.toml", base_text=NATIONAL_TEXT)

    assert str(error.value).startswith("kota.toml: ")
    assert named in str(error.value)


def test_the_region_comes_from_the_kemendagri_list(clean_env: Path) -> None:
    settings = load_settings()
    region = read_region(settings, read_programme(settings))
    assert region.name == "Kota Pekalongan"
    assert [k.name for k in region.kecamatan] == [
        "Pekalongan Barat",
        "Pekalongan Timur",
        "Pekalongan Utara",
        "Pekalongan Selatan",
    ]
    assert len(region.all_kelurahan) == 27
    assert all(k.is_kelurahan for k in region.all_kelurahan)
    noyontaansari = next(k for k in region.all_kelurahan if k.name == "Noyontaansari")
    found = region.kecamatan_of(noyontaansari.code)
    assert found is not None
    assert found.name == "Pekalongan Timur"


def test_an_unknown_region_code_is_refused() -> None:
    with pytest.raises(RegionError, match=r"region code 33\.99 is not in the Kemendagri list"):
        parse_region("33.75,Kota Pekalongan\n33.75.01,Pekalongan Barat\n", "33.99")


@pytest.mark.parametrize(
    "written",
    [
        "3375014506850001",
        "3375 0145 0685 0001",
        "3375/0145/0685/0001",
        "3375_0145_0685_0001",
        "3375\u00a00145.0685-0001",
    ],
)
def test_nik_like_numbers_are_masked_in_logs_whatever_their_separators(written: str) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "NIK %s ditolak", (written,), None)
    assert NikMaskingFilter().filter(record)
    assert record.getMessage() == "NIK 3375••••••••0001 ditolak"
    untouched = logging.LogRecord("x", logging.INFO, __file__, 1, "outbox=%s", (12345,), None)
    NikMaskingFilter().filter(untouched)
    assert untouched.getMessage() == "outbox=12345"


def test_personal_data_is_encrypted_and_indexed_by_a_keyed_hash() -> None:
    cipher = PersonalDataCipher(Fernet.generate_key())
    token = cipher.encrypt("3375014506850001")
    assert "3375014506850001" not in token
    assert cipher.decrypt(token) == "3375014506850001"
    assert cipher.encrypt("3375014506850001") != token  # random IV: equal values do not look equal
    assert cipher.blind_index("3375014506850001") == cipher.blind_index("3375014506850001")
    other = PersonalDataCipher(Fernet.generate_key())
    assert other.blind_index("3375014506850001") != cipher.blind_index("3375014506850001")


def test_a_programme_file_takes_the_national_rules_and_may_override_them() -> None:
    local = PROGRAMME_TEXT.replace("[premium]", "[premium]\ndeclared_income = 2000000", 1)
    p = load_programme(local, base_text=NATIONAL_TEXT)
    assert p.premium.declared_income == 2_000_000
    assert p.premium.jkk == 10_000  # still from the national file
    assert p.benefits.jkk_death_total(p.premium.declared_income) == 48 * 2_000_000 + 12_000_000 + 10_000_000


def test_without_the_national_rules_a_programme_file_is_incomplete() -> None:
    with pytest.raises(ProgrammeError, match=r"benefits: Field required"):
        load_programme(PROGRAMME_TEXT, source="kota.toml")


def test_settings_can_be_given_by_field_name(clean_env: Path) -> None:
    assert load_settings(log_level="debug", data_dir=clean_env / "elsewhere").data_dir == clean_env / "elsewhere"
