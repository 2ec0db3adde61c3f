"""The candidates app's pages, by who uses them: ``candidate`` (sign-up, the profile, one's own
applications), ``staff`` (the review queue, an application, identity changes, merges) and ``files``
(uploaded documents, for their candidate and for staff). candidates/urls.py names each page."""
