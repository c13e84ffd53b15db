"""The one Excel import framework (template → upload → preview → error file → all-or-nothing confirm).

See docs/architecture.md "How to add an import". ``spec`` declares a sheet, ``engine`` runs it, ``registry``
lists the imports for the shared pages (``views``) and the API mixin (``api``)."""
