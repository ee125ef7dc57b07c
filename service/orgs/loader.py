"""The org-file loader under its old service name; it lives in `routing.orgfile` now.

Parsing an org file is pure (text → `OrgChart`) and the packaged classifier build needs it, so it
moved next to the `OrgChart` it builds. This module keeps the service-side imports that have not
moved yet (service.incidents.runtime, the tests) working; new code imports `routing.orgfile`.
"""

from routing.orgfile import (
    DEMO_ORG,
    OrgFileError,
    default_bodies,
    demo_org_text,
    known_functions,
    load_demo_org,
    load_org,
    load_org_text,
    org_digest,
    taxonomy_functions,
)

__all__ = [
    "DEMO_ORG",
    "OrgFileError",
    "default_bodies",
    "demo_org_text",
    "known_functions",
    "load_demo_org",
    "load_org",
    "load_org_text",
    "org_digest",
    "taxonomy_functions",
]
