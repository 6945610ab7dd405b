"""The command line: demo, tune, the space file, and one-line errors."""

import csv
import json
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skhypertune.cli import CLIError, load_estimator, main, parse_space, read_csv

SPACE = {"max_depth": {"randint": [1, 6]}, "criterion": ["gini", "entropy"]}


@pytest.fixture()
def files(tmp_path):
    X, y = make_classification(
        n_samples=48, n_features=3, n_informative=2, n_redundant=0, random_state=0
    )
    data = tmp_path / "data.csv"
    with open(data, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "c", "label"])
        for row, t in zip(X, y):
            w.writerow([*(f"{v:.4f}" for v in row), "yes" if t else "no"])
    space = tmp_path / "space.json"
    space.write_text(json.dumps(SPACE))
    return tmp_path, data, space


@pytest.fixture()
def no_fit(monkeypatch):
    """Fail the test if a search starts fitting: input checks come first."""

    def fit_and_score(*args, **kwargs):
        raise AssertionError("a fit started before the input was checked")

    monkeypatch.setattr("sklearn.model_selection._search._fit_and_score", fit_and_score)


def _tune_args(data, space, *extra):
    return [
        "tune",
        "--data",
        str(data),
        "--target",
        "label",
        "--estimator",
        "sklearn.tree.DecisionTreeClassifier",
        "--space",
        str(space),
        "--cv",
        "2",
        "--n-iter",
        "5",
        "--random-state",
        "0",
        "--quiet",
        *extra,
    ]


def test_tune_writes_results_and_report(files, capsys):
    tmp, data, space = files
    results, page = tmp / "results.csv", tmp / "report.html"
    status = main(
        _tune_args(
            data,
            space,
            "--searcher",
            "evolution",
            "--results",
            str(results),
            "--report",
            str(page),
            "--scoring",
            "accuracy",
        )
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "best accuracy:" in out and "best parameters:" in out
    best = json.loads(out.split("best parameters: ")[1].splitlines()[0])
    assert set(best) == {"max_depth", "criterion"}
    with open(results) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5
    assert {"param_max_depth", "mean_test_score", "rank_test_score"} <= set(rows[0])
    assert all(1 <= int(r["param_max_depth"]) <= 5 for r in rows)
    assert 'id="leaderboard"' in page.read_text()


def test_tune_with_bayes_and_halving(files, capsys):
    tmp, data, space = files
    assert main(_tune_args(data, space, "--searcher", "bayes")) == 0
    assert "BayesSearchCV" in capsys.readouterr().out
    args = _tune_args(
        data, space, "--searcher", "halving", "--results", str(tmp / "h.csv")
    )
    assert main(args) == 0
    with open(tmp / "h.csv") as f:
        header = next(csv.reader(f))
    assert "iter" in header and "n_resources" in header


def test_demo_compares_both_searchers_and_writes_the_report(tmp_path, capsys):
    page = tmp_path / "demo.html"
    status = main(
        [
            "demo",
            "--dataset",
            "wine",
            "--n-iter",
            "4",
            "--cv",
            "2",
            "--n-jobs",
            "1",
            "--report",
            str(page),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "BayesSearchCV 4/4 candidates" in out  # the progress display
    assert "RandomizedSearchCV" in out
    assert "Hyperparameter importances" in out and "pca__n_components" in out
    table = out.split("Equal budget: 4 candidates each, per seed")[1]
    assert "best CV accuracy" in table and "held-out accuracy" in table
    # One row per seed (3 by default), then the summary over them.
    rows = [line.split() for line in table.splitlines() if line[:3].strip().isdigit()]
    assert [r[0] for r in rows] == ["0", "1", "2"]
    cv_gain = [float(r[1]) - float(r[2]) for r in rows]
    wins = sum(g > 5e-5 for g in cv_gain)
    assert f"BayesSearchCV higher on {wins} of 3 seeds" in out
    # The table rounds to 4 decimals; the summary's mean is of the exact scores.
    printed = float(out.split("seeds, mean difference ")[1].split()[0])
    assert printed == pytest.approx(np.mean(cv_gain), abs=1.5e-4)
    assert f"HTML report written to {page}" in out
    assert "held-out accuracy" in page.read_text()
    text = page.read_text()
    assert "Comparison at equal budget" in text and "RandomizedSearchCV" in text


BAD = {
    "missing data file": (["--data", "nope.csv"], "cannot read data file 'nope.csv'"),
    "unknown column": (["--target", "nope"], "target column 'nope' is not in"),
    "unknown module": (["--estimator", "nosuchpkg.Model"], "cannot import 'nosuchpkg'"),
    "unknown class": (["--estimator", "sklearn.svm.SVX"], "has no attribute 'SVX'"),
    "not an estimator": (["--estimator", "json.JSONDecoder"], "not a scikit-learn"),
    "not a dotted path": (["--estimator", "SVC"], "not a dotted path"),
    "unknown scoring": (["--scoring", "acuracy"], "did you mean accuracy"),
    "zero candidates": (["--n-iter", "0"], "expected a positive integer"),
    "one fold": (["--cv", "1"], "at least 2 folds"),
    "unknown searcher": (["--searcher", "grid"], "invalid choice: 'grid'"),
    "bad estimator params": (["--estimator-params", "{oops"], "not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_one_line_exit_2(case, files, capsys, monkeypatch):
    tmp, data, space = files
    monkeypatch.chdir(tmp)
    override, expected = BAD[case]
    args = _tune_args(data, space)
    for flag, value in zip(override[::2], override[1::2]):
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("skhypertune: error: ")
    assert expected in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "is not valid JSON"),
        ('{"C": {"logunifrom": [0.1, 1]}}', "unknown distribution 'logunifrom'"),
        ('{"C": {"loguniform": [1, 2], "uniform": [0, 1]}}', "exactly one key"),
        ('{"C": []}', "the list of values is empty"),
        ("[]", "empty list"),
        ('"C"', "must be a JSON object"),
    ],
)
def test_bad_space_file_one_line_exit_2(content, expected, files, capsys, no_fit):
    tmp, data, space = files
    space.write_text(content)
    assert main(_tune_args(data, space)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


@pytest.mark.parametrize(
    "prior, expected",
    [
        (
            {"loguniform": [1e3, 1e-3]},
            "parameter 'C': invalid arguments for loguniform(1000.0, 0.001): "
            '{"loguniform": [low, high]} needs 0 < low < high; '
            "did you mean [0.001, 1000.0]?",
        ),
        (
            {"loguniform": [0, 10]},
            "parameter 'C': invalid arguments for loguniform(0, 10): "
            '{"loguniform": [low, high]} needs 0 < low < high\n',
        ),
        (
            {"loguniform": {"b": 1e-3, "a": 1e3}},
            "needs 0 < low < high; did you mean [0.001, 1000.0]?",
        ),
        (
            {"uniform": [0, -1]},
            'invalid arguments for uniform(0, -1): {"uniform": [loc, scale]} draws '
            "from loc to loc + scale and needs scale > 0",
        ),
        (
            {"randint": [5, 5]},
            'invalid arguments for randint(5, 5): {"randint": [low, high]} draws '
            "the integers low to high - 1 and needs low < high",
        ),
        ({"randint": [6, 1]}, "needs low < high; did you mean [1, 6]?"),
        (
            {"norm": {"loc": 1, "scale": -1}},
            "invalid arguments for norm(loc=1, scale=-1): norm(loc=0, scale=1) "
            "needs scale > 0",
        ),
        (
            {"gamma": [-2]},
            "invalid arguments for gamma(-2): gamma(a, loc=0, scale=1) needs scale "
            "> 0 and a within the ranges scipy.stats.gamma documents",
        ),
        (
            {"poisson": [-1]},
            "poisson(mu, loc=0) needs mu within the ranges scipy.stats.poisson",
        ),
        (
            {"loguniform": [1]},
            "parameter 'C': loguniform(1): loguniform takes (a, b, loc=0, scale=1)",
        ),
        ({"norm": {"mu": 0}}, "norm(mu=0): norm takes (loc=0, scale=1)"),
        (
            {"loguniform": ["1e-3", "1e3"]},
            "arguments must be numbers, got '1e-3'; remove the quotes",
        ),
        ({"expon": "x"}, "the arguments of expon must be a list, an object or"),
    ],
)
def test_distribution_arguments_name_the_rule(prior, expected, files, capsys, no_fit):
    tmp, data, space = files
    space.write_text(json.dumps({"C": prior}))
    assert main(_tune_args(data, space)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            {"max_dept": [2]},
            "space file: unknown parameter 'max_dept' (did you mean 'max_depth'?); "
            "the parameters of DecisionTreeClassifier are: ccp_alpha, class_weight,",
        ),
        ({"Criterion": ["gini"]}, "(did you mean 'criterion'?)"),
        (
            [{"max_depth": [2]}, {"splitter": ["best"], "min_samples": [2]}],
            "unknown parameter 'min_samples' (did you mean 'min_samples_leaf'?)",
        ),
        (
            {"criterion": ["gini", "entopy"]},
            "space file: parameter 'criterion': The 'criterion' parameter of "
            "DecisionTreeClassifier must be a str among",
        ),
        (
            {"max_depth": {"uniform": [1, 5]}},
            "space file: parameter 'max_depth': uniform(1, 5) draws 1.005: The "
            "'max_depth' parameter of DecisionTreeClassifier must be an int",
        ),
        (
            {"max_depth": {"randint": [0, 5]}},
            "randint(0, 5) draws 0: The 'max_depth' parameter",
        ),
    ],
)
def test_space_checked_against_the_estimator(content, expected, files, capsys, no_fit):
    tmp, data, space = files
    space.write_text(json.dumps(content))
    assert main(_tune_args(data, space)) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and expected in err
    assert out == ""  # before the banner


def test_space_names_of_a_pipeline(files, capsys, monkeypatch, no_fit):
    tmp, data, space = files
    (tmp / "named_pipes.py").write_text(
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.svm import SVC\n"
        "def make():\n    return make_pipeline(StandardScaler(), SVC())\n"
    )
    monkeypatch.chdir(tmp)
    monkeypatch.syspath_prepend(str(tmp))
    args = _tune_args(data, space, "--estimator", "named_pipes.make")
    for content, expected in [
        (
            {"C": [1.0]},
            "unknown parameter 'C' (did you mean 'svc__C'?); the "
            "parameters of Pipeline are: memory, standardscaler, steps, svc",
        ),
        (
            {"svc__Cc": [1.0]},
            "unknown parameter 'svc__Cc' (did you mean 'svc__C'?); "
            "the parameters of 'svc' (SVC) are: svc__C, svc__break_ties,",
        ),
        ({"sv__C": [1.0]}, "(did you mean 'svc__C'?)"),
        ({"svc__C": [-1.0]}, "parameter 'svc__C': The 'C' parameter of SVC must"),
    ]:
        space.write_text(json.dumps(content))
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and expected in err, err


def test_estimator_params_checked_before_fitting(files, capsys, no_fit):
    tmp, data, space = files
    args = _tune_args(data, space, "--estimator-params", '{"min_samples_leaf": 0}')
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "skhypertune: error: --estimator-params: The 'min_samples_leaf' parameter "
        "of DecisionTreeClassifier must be"
    )


def test_bad_csv_rows(files, capsys):
    tmp, data, space = files
    data.write_text("a,b,label\n1,2,x\n3,y\n")
    assert main(_tune_args(data, space)) == 2
    assert "row 3: 2 fields, the header has 3" in capsys.readouterr().err
    data.write_text("a,label\n")
    assert main(_tune_args(data, space)) == 2
    assert "at least one data row" in capsys.readouterr().err


def _rows(header, *rows):
    return "\n".join([header, *rows]) + "\n"


SIX = ("1,2,a", "2,3,b", "3,1,a", "4,4,b", "5,5,a", "6,1,b")


@pytest.mark.parametrize(
    "content, extra, expected",
    [
        (
            _rows("x,z,label", "1,2,a", "2,3,a", "3,1,a"),
            [],
            "target column 'label' has one class, 'a', in all 3 rows; a classifier "
            "needs at least two",
        ),
        (
            _rows("x,z,label", "1,2,3", "2,3,3", "3,1,3"),
            [
                "--estimator",
                "sklearn.tree.DecisionTreeRegressor",
                "--space",
                "depth.json",
            ],
            "target column 'label' has one value, 3, in all 3 rows; there is "
            "nothing to learn",
        ),
        (
            _rows("x,z,label", "1,2,0.5", "2,3,1.5", "3,1,2"),
            [],
            "DecisionTreeClassifier is a classifier, but target column 'label' "
            "holds continuous values such as 0.5; use a regressor, or a column of "
            "classes",
        ),
        (
            _rows("x,z,label", *SIX),
            [
                "--estimator",
                "sklearn.tree.DecisionTreeRegressor",
                "--space",
                "depth.json",
            ],
            "DecisionTreeRegressor is a regressor, but target column 'label' is not "
            "numeric (it holds 'a'); use a classifier, or a numeric column",
        ),
        (
            _rows("x,z,label", "1,2,a", "2,3,b"),
            ["--cv", "3"],
            "--cv 3 needs at least 3 rows; 'data.csv' has 2",
        ),
        (
            _rows("x,z,label", *SIX),
            ["--cv", "4"],
            "--cv 4: stratified folds need a class with at least 4 rows, and the "
            "largest class of 'label', 'a', has 3; lower --cv or add rows",
        ),
        (
            _rows("x,z,label", *(f"{i},{i % 3},{i * 7}" for i in range(8))),
            [],
            "--cv 2: stratified folds need a class with at least 2 rows, and the "
            "largest class of 'label', 0, has 1; with 8 distinct values in 8 rows, "
            "it looks like a regression target: use a regressor",
        ),
        (
            _rows("x,z,label", "1,2,0.5", "2,3,1.5", "3,1,2", "4,4,1"),
            [
                "--estimator",
                "sklearn.tree.DecisionTreeRegressor",
                "--space",
                "depth.json",
                "--scoring",
                "accuracy",
            ],
            "--scoring accuracy cannot score DecisionTreeRegressor (a regressor) on "
            "target column 'label': continuous is not supported",
        ),
        (
            _rows("x,z,label", "1,2,a", "2,3,b", "3,1,c", "4,4,a", "5,5,b", "6,1,c"),
            ["--scoring", "roc_auc"],
            "--scoring roc_auc cannot score DecisionTreeClassifier (a classifier) "
            "on target column 'label': ",
        ),
        (
            _rows("x,z,label", *SIX),
            ["--report", "."],
            "--report: '.' is a folder; give a file name",
        ),
        (
            _rows("x,z,label", "1,2,a", "2,3,", "3,1,b", "4,4,"),
            [],
            "target column 'label' has no value in 2 rows (the first is row 3); "
            "remove those rows or fill them in",
        ),
        (
            _rows("x,z,label", "1,2,1", "2,3,2", "3,1,nan"),
            [],
            "target column 'label' has no value in row 4;",
        ),
        (
            _rows("x,x,label", *SIX),
            [],
            "data file 'data.csv' has more than one column named 'x'; give each "
            "column its own name",
        ),
        (
            _rows("x;z;label", "1;2;a"),
            [],
            "columns are: x;z;label (the file seems to separate fields with ';'; "
            "tune reads comma-separated files)",
        ),
        (
            _rows("x,z,label", "1,2,a", "2,3,b", "3,?,a", "4,oops,b", "5,5,a"),
            [],
            "column 'z' holds numbers, but row 5 has 'oops'; correct that cell, or "
            "leave it empty if the value is missing",
        ),
        (
            _rows("x,z,label", "1,NA,a", "2,,b", "3,1,a", "4,4,b", "5,5,a"),
            ["--estimator", "sklearn.svm.SVC", "--space", "svc.json"],
            "column 'z' has 2 missing values (empty or NA cells) and SVC does not "
            "accept missing values; fill them in, or use an estimator that does, "
            "such as sklearn.ensemble.HistGradientBoostingClassifier",
        ),
    ],
)
def test_bad_data_one_line_before_any_fit(
    content, extra, expected, files, capsys, monkeypatch, no_fit
):
    tmp, data, space = files
    monkeypatch.chdir(tmp)
    data.write_text(content)
    (tmp / "svc.json").write_text('{"C": [1.0]}')
    (tmp / "depth.json").write_text('{"max_depth": [2, 3]}')
    args = _tune_args("data.csv", space)
    for flag, value in zip(extra[::2], extra[1::2]):
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and expected in err, err
    assert out == ""


def test_missing_values_reach_an_estimator_that_takes_them(files, capsys):
    tmp, data, space = files
    rows = data.read_text().splitlines()
    rows[1] = ",".join(["NA", *rows[1].split(",")[1:]])
    rows[2] = ",".join(["", *rows[2].split(",")[1:]])
    data.write_text("\n".join(rows) + "\n")
    assert main(_tune_args(data, space)) == 0  # trees split on missing values
    assert "best parameters:" in capsys.readouterr().out


@pytest.fixture()
def colours(tmp_path):
    """A CSV whose 'colour' column is text; 'violet' is in one row only, so
    one of two folds trains without it."""
    rng = np.random.RandomState(0)
    names = ["red", "green", "blue"]
    path = tmp_path / "colours.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["size", "colour", "label"])
        for i in range(30):
            colour = "violet" if i == 7 else names[i % 3]
            w.writerow([f"{rng.rand():.3f}", colour, "yes" if i % 3 else "no"])
    return path


def test_text_columns_are_one_hot_encoded_under_the_estimator_names(
    colours, tmp_path, capsys
):
    space = tmp_path / "svc.json"
    space.write_text('{"C": {"loguniform": [0.1, 100]}, "kernel": ["rbf", "linear"]}')
    results = tmp_path / "r.csv"
    args = _tune_args(colours, space, "--estimator", "sklearn.svm.SVC")
    args.remove("--quiet")
    for searcher in ("bayes", "halving"):
        extra = ["--searcher", searcher, "--results", str(results)]
        assert main(args + extra) == 0
        out = capsys.readouterr().out
        assert (
            "One-hot encoding the non-numeric column colour (4 values) in front of "
            "SVC, within each CV fold" in out
        )
        best = json.loads(out.split("best parameters: ")[1].splitlines()[0])
        assert set(best) == {"C", "kernel"}
        with open(results) as f:
            header = next(csv.reader(f))
        assert "param_C" in header and "param_kernel" in header


@pytest.mark.slow
def test_encoded_pipeline_answers_to_the_estimator_names(colours):
    from sklearn.base import clone
    from sklearn.svm import SVC

    from skhypertune import cli

    X, y, columns = read_csv(str(colours), "label")
    model = cli._one_hot_in_front(SVC(), X, columns, ["colour"])
    assert model.get_params()["C"] == 1.0 and "svc__C" in model.get_params()
    assert "C" not in model.get_params(deep=False)  # what clone() rebuilds from
    tuned = clone(model).set_params(C=3.0, kernel="linear", verbose=False)
    assert tuned.named_steps["svc"].get_params()["C"] == 3.0
    assert tuned.named_steps["svc"].kernel == "linear"
    assert model.named_steps["svc"].C == 1.0
    assert tuned.fit(X, y).score(X, y) > 0.5
    # A parallel worker unpickles the class in a fresh interpreter.
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pickle, sys; m = pickle.load(sys.stdin.buffer); "
            "print(type(m).__name__, m.get_params()['C'])",
        ],
        input=pickle.dumps(tuned),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().split() == ["_EncodedPipeline", "3.0"]


def test_a_pipeline_that_encodes_is_left_alone(colours, tmp_path, capsys, monkeypatch):
    (tmp_path / "text_pipes.py").write_text(
        "from sklearn.compose import make_column_transformer\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import OneHotEncoder, StandardScaler\n"
        "from sklearn.svm import SVC\n"
        "def encoding():\n"
        "    return make_pipeline(make_column_transformer(\n"
        "        (OneHotEncoder(handle_unknown='ignore'), ['colour']),\n"
        "        remainder='passthrough'), SVC())\n"
        "def scaling():\n"
        "    return make_pipeline(StandardScaler(), SVC())\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    space = tmp_path / "svc.json"
    space.write_text('{"svc__C": {"loguniform": [0.1, 10]}}')
    args = _tune_args(colours, space)
    args.remove("--quiet")
    args[args.index("--estimator") + 1] = "text_pipes.encoding"
    assert main(args) == 0
    assert "One-hot" not in capsys.readouterr().out
    args[args.index("--estimator") + 1] = (
        "text_pipes.scaling"  # no encoder: one in front
    )
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "One-hot encoding the non-numeric column colour" in out
    assert '"svc__C"' in out.split("best parameters: ")[1]


def test_without_pandas_text_columns_are_objects(colours, monkeypatch):
    from sklearn.svm import SVC

    from skhypertune import cli

    with monkeypatch.context() as m:
        m.setitem(sys.modules, "pandas", None)  # import pandas fails
        X, y, columns = read_csv(str(colours), "label")
    assert isinstance(X, np.ndarray) and X.dtype == object
    assert cli._text_columns(X, columns) == ["colour"]
    model = cli._one_hot_in_front(SVC(), X, columns, ["colour"])
    assert model.fit(X, y).score(X, y) > 0.5


PICKY = """
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class Picky(ClassifierMixin, BaseEstimator):
    def __init__(self, level=1):
        self.level = level

    def fit(self, X, y):
        if self.level > 2:
            raise ValueError(f"level {self.level} is too high")
        warnings.warn("level 1 is\\nslow", UserWarning)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        if self.level == 2:
            raise ValueError("level 2 cannot predict")
        return np.full(len(X), self.classes_[0])
"""


@pytest.fixture()
def picky(files, monkeypatch):
    """An estimator that warns in every fit and fails for level > 2."""
    tmp, data, space = files
    (tmp / "picky_model.py").write_text(PICKY)
    monkeypatch.chdir(tmp)
    monkeypatch.syspath_prepend(str(tmp))

    def args(levels, *extra):
        space.write_text(json.dumps({"level": levels}))
        return _tune_args(
            data, space, "--estimator", "picky_model.Picky", "--n-iter", "2", *extra
        )

    return args


def test_quiet_prints_the_results_only(picky, files, capfd):
    tmp = files[0]
    extra = ["--results", str(tmp / "r.csv"), "--report", str(tmp / "r.html")]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main(picky([1, 3], *extra)) == 0
    assert [str(w.message) for w in seen] == []
    out, err = capfd.readouterr()
    assert err == ""  # no warning: the fits warn and fail
    assert out.lstrip().startswith("Top 2 of 2 candidates (BayesSearchCV)\n")
    assert out.rstrip().splitlines()[-1] == 'best parameters: {"level": 1}'
    for noise in ("Tuning", "candidates |", "written to", "arning"):
        assert noise not in out
    assert (tmp / "r.csv").exists() and (tmp / "r.html").exists()


def test_quiet_silences_warnings_before_the_search_too(files, capfd, monkeypatch):
    tmp, data, space = files
    (tmp / "noisy_model.py").write_text(
        "import warnings\n"
        "from sklearn.tree import DecisionTreeClassifier as Tree\n"
        "warnings.warn('imported a noisy module', UserWarning)\n"
    )
    monkeypatch.chdir(tmp)
    monkeypatch.syspath_prepend(str(tmp))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main(_tune_args(data, space, "--estimator", "noisy_model.Tree")) == 0
    assert [str(w.message) for w in seen] == []
    out, err = capfd.readouterr()
    assert err == "" and "best parameters:" in out


def test_quiet_demo(capfd):
    args = ["demo", "--dataset", "wine", "--n-iter", "2", "--cv", "2"]
    assert main([*args, "--n-jobs", "1", "--report", "", "--quiet"]) == 0
    out, err = capfd.readouterr()
    assert err == ""
    assert out.lstrip().startswith("Top 2 of 2 candidates (BayesSearchCV, seed 0)")
    assert "skhypertune demo:" not in out and "evaluating" not in out


def test_warnings_one_line_each_after_the_fits(picky, capsys):
    args = picky([1, 3])
    args.remove("--quiet")
    assert main(args) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert all(line.startswith("skhypertune: warning: ") for line in lines), err
    assert "skhypertune: warning: UserWarning: level 1 is slow" in lines
    assert (
        "skhypertune: warning: FitFailedWarning: 2 fits failed out of a total of 4: "
        "ValueError: level 3 is too high (those fits score nan)" in lines
    )
    assert len(lines) == len(set(lines)) <= 4
    assert "best parameters:" in out


def test_every_fit_failing_is_one_line(picky, capsys):
    assert main(picky([3, 4])) == 2
    out, err = capsys.readouterr()
    assert err == (
        "skhypertune: error: the search failed: All the 4 fits failed: "
        "ValueError: level 3 is too high; ValueError: level 4 is too high\n"
    )


def test_every_score_nan_is_one_line(picky, capsys):
    assert main(picky([2])) == 2
    assert capsys.readouterr().err == (
        "skhypertune: error: the search failed: every candidate's score is nan; "
        "run without --quiet to see why\n"
    )


@pytest.mark.slow
def test_quiet_in_parallel_workers(picky, files):
    """A fresh process whose joblib workers warn: still nothing on stderr."""
    tmp = files[0]
    args = picky([1, 3], "--n-jobs", "2")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    proc = subprocess.run(
        [sys.executable, "-m", "skhypertune", *args],
        capture_output=True,
        text=True,
        cwd=tmp,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert 'best parameters: {"level": 1}' in proc.stdout


def test_parse_space_forms():
    from scipy.stats import randint

    space = parse_space(
        [
            {"k": ["rbf"], "C": {"loguniform": {"a": 0.1, "b": 10}}, "g": {"expon": 2}},
            {"k": ["linear"], "C": 1.5, "d": {"randint": [1, 4]}},
        ]
    )
    assert space[0]["C"].dist.name == "loguniform" and space[0]["C"].kwds == {
        "a": 0.1,
        "b": 10,
    }
    assert space[0]["g"].mean() == pytest.approx(3.0)  # expon(loc=2)
    assert space[1]["C"] == [1.5]
    assert isinstance(space[1]["d"].dist, type(randint))
    assert space[1]["d"].support() == (1, 3)
    with pytest.raises(CLIError, match="did you mean loguniform"):
        parse_space({"C": {"loguniform_": [1, 2]}})


def test_read_csv_types(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,colour,y\n1.5,red,a\n,blue,b\n2,red,a\nn/a,?,None\n")
    X, y, columns = read_csv(str(path), "y")
    assert columns == ["x", "colour"]
    assert y.tolist() == ["a", "b", "a", "None"]  # a class, not a missing value
    pd = pytest.importorskip("pandas")
    assert isinstance(X, pd.DataFrame)
    assert np.isnan(X["x"][1]) and np.isnan(X["x"][3])
    assert X["colour"][:3].tolist() == ["red", "blue", "red"]
    assert pd.isna(X["colour"][3])
    path.write_text("x,y\n1.5,1\n,0\n2,1\n")
    X, y, columns = read_csv(str(path), "y")
    assert y.dtype.kind == "i" and y.tolist() == [1, 0, 1]


def test_load_estimator_forms(tmp_path, monkeypatch):
    assert load_estimator("sklearn.svm:SVC", '{"C": 3}').C == 3
    (tmp_path / "mymodels.py").write_text(
        "from sklearn.linear_model import LogisticRegression\n"
        "def make():\n    return LogisticRegression(max_iter=7)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert load_estimator("mymodels.make").max_iter == 7
    with pytest.raises(CLIError, match="--estimator-params must be a JSON object"):
        load_estimator("sklearn.svm.SVC", "[1]")


def _run(*args, cwd):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run(
        [sys.executable, "-m", "skhypertune", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_subprocess_error_has_no_traceback(files):
    tmp, data, space = files
    proc = _run(
        *_tune_args(data, space, "--estimator", "sklearn.nothing.Here"), cwd=tmp
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "cannot import 'sklearn.nothing'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_subprocess_tune(files):
    tmp, data, space = files
    proc = _run(*_tune_args(data, space, "--results", "r.csv"), cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    assert "best parameters:" in proc.stdout
    assert (tmp / "r.csv").exists()


def test_help_and_no_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "demo" in out and "tune" in out
    assert main([]) == 2


@pytest.mark.parametrize(
    "gain, words",
    [
        ([0.01, -0.01, 0.0], "within about two standard errors"),
        ([0.010, 0.011, 0.012], "better on these test sets too"),
        ([-0.004, -0.003, -0.0045], "did not carry over"),
        ([0.02], "."),
    ],
)
def test_demo_says_what_the_held_out_differences_show(gain, words):
    from skhypertune.cli import _held_out_verdict

    assert words in _held_out_verdict(np.array(gain))
