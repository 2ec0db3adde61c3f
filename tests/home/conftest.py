# The exam builders of the documents' tests: sessions taken the whole legal way through the services.
from tests.certificates.conftest import chair, commission, make_exam, media, qualification  # noqa: F401
