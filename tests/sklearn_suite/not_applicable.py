"""scikit-learn tests that do not apply to a swapped-in skhypertune class.

Keys are ``(swaps, pattern)``: a comma-separated list of swaps and an
``fnmatch`` pattern on ``<test module name>::<test id>``. Every entry says why
the test checks behaviour that the replaced scikit-learn class promises and
ours by design does not; the runner fails on an entry whose test passes.
"""

NOT_APPLICABLE: dict[tuple[str, str], str] = {
    ("bayes,evolution", "test_search::test_search_with_2d_array"): (
        "asserts the exact 3 of 4 grid points RandomizedSearchCV's "
        "ParameterSampler draws with random_state=0; a model-guided search "
        "picks its own candidates. What it guards (tuple values kept as "
        "objects in param_* columns) is tested in tests/test_conformance.py::"
        "test_tuple_values_stay_objects_in_param_columns"
    ),
}
