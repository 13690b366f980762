"""Open311 GeoReport v2 under /open311/v2/: the eight indicators as services, complaints as service requests.

https://wiki.open311.org/GeoReport_v2. Every resource answers in XML (the spec's required format) and JSON,
chosen by the path's extension. Errors are the spec's error list, not the JSON API's `{"error": ...}`.
"""
