class QualificationCodeConverter:
    """Matches only well-formed qualification codes, so anything else is a plain 404
    before it reaches the database (PostgreSQL rejects a NUL byte with an error)."""

    regex = r"\d{2}\.\d{3}00\.\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
