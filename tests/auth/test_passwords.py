from service.auth.passwords import hash_password, password_problem, verify_password
from tests.support.passwords import production_hashing


def test_argon2id_hash_salted_and_verified() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a.startswith("$argon2id$")
    assert a != b  # a fresh salt each time
    assert verify_password("correct horse", a)
    assert not verify_password("correct horsE", a)
    assert "correct horse" not in a


def test_production_parameters_are_argon2id_at_64_mib_3_passes_4_lanes() -> None:
    # the tests' own process hashes cheaper (tests/support/passwords.py); production does not
    with production_hashing():
        hashed = hash_password("correct horse")
        assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert verify_password("correct horse", hashed) and not verify_password("correct horsE", hashed)
        assert verify_password("anything", None) is False
    assert not hash_password("correct horse").startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # back to test cost


def test_unknown_user_is_refused_like_a_wrong_password() -> None:
    assert verify_password("anything", None) is False


def test_short_password_refused_in_both_languages() -> None:
    zh, en = password_problem("short")
    assert "8" in zh and "8" in en
    assert password_problem("long-enough") is None
