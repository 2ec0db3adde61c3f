# The exam builders of the documents' tests: sessions taken the whole legal way through the services.
from tests.helpers.exam_fixtures import chair, commission, make_exam, media, qualification  # noqa: F401
