"""The API's logic: routes call these; they raise api.domain_errors, never HTTP statuses."""
