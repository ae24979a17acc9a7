from tests.conftest import signed_in


def test_home_answers_a_signed_in_merchant(merchant_user):
    assert signed_in(merchant_user).get("/").status_code == 200
