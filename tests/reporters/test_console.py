"""The console report as a user sees it: through the real CLI, piped and on a terminal."""

from __future__ import annotations

import io
import json
import re

import pytest

from support import run_cli, run_cli_tty

SOMME = "samples/cpam-somme-2022"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SUMMARY_FR = re.compile(r"^1 jeu de données, 38 chiffres, \d+ évaluations — 2 anomalies : "
                        r"1 erreur, 1 avertissement, 0 information$")
SUMMARY_EN = re.compile(r"^1 dataset, 38 figures, \d+ evaluations — 2 anomalies: "
                        r"1 error, 1 warning, 0 info$")
# English words that leaked into the French console before (issue 15)
ENGLISH = ("error", "warning", "rule", "kind", "severity", "inconsistent", "rounding",
           "(s)", "text «", "report l.", "suggested", "evaluations")


@pytest.fixture(scope="module")
def somme_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, dict]:
    """One run: the console on stdout, the JSON report in a folder; (stdout, stderr, report)."""
    out = tmp_path_factory.mktemp("console")
    proc = run_cli("validate", SOMME, "--format", "console,json", "--output-dir", str(out))
    assert proc.returncode == 1, proc.stderr
    return proc.stdout, proc.stderr, json.loads((out / "report.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def piped_fr(somme_run: tuple[str, str, dict]) -> str:
    return somme_run[0]


@pytest.fixture(scope="module")
def somme_json(somme_run: tuple[str, str, dict]) -> dict:
    return somme_run[2]


def test_written_files_are_named_on_stderr(somme_run: tuple[str, str, dict]) -> None:
    _, err, _ = somme_run
    # stderr piped: the written file named, and no progress line although the run took > 1 s
    assert re.fullmatch(r"rapport écrit dans \S+/report\.json\n", err), err


def _numbers(report: dict) -> set[str]:
    """Every multi-group number the report prints (the ones a wrap could break)."""
    found: set[str] = set()
    for a in report["anomalies"]:
        for f in a["figures"]:
            for text in (f["text"], f["source"].get("quote") or ""):
                found.update(re.findall(r"\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d+)?(?: ?[€%])?", text))
    return found


def test_piped_output_is_never_wrapped(piped_fr: str, somme_json: dict) -> None:
    lines = piped_fr.splitlines()
    assert max(map(len, lines)) > 120  # a pipe gets whole lines, not 80 or 120 columns
    numbers = _numbers(somme_json)
    assert "113 915,06 €" in numbers
    for number in numbers:  # each one whole on some line, none cut at a line end
        assert any(number in line for line in lines), number
    assert not ANSI.search(piped_fr)  # no colour when stdout is not a terminal


def test_anomalies_first_then_one_summary_line_no_rules_table(piped_fr: str) -> None:
    lines = piped_fr.rstrip("\n").splitlines()
    assert SUMMARY_FR.match(lines[-1]), lines[-1]
    assert lines[0].startswith("CPAM de la Somme") and "38 chiffres, 2 anomalies" in lines[0]
    assert lines[1].startswith("  ERREUR md24.invoices.anomaly_rate.ratio · 80 2022 · incohérence")
    assert any(line.startswith("  AVERTISSEMENT md24.overpayment.share.ratio") for line in lines)
    assert "Règles" not in piped_fr and "gravité" not in piped_fr


def test_french_output_has_no_english_words(piped_fr: str) -> None:
    text = piped_fr.lower()
    assert [w for w in ENGLISH if w.lower() in text] == []
    assert "rapport l. 82, texte « soit un taux d’anomalie de 21 % »" in piped_fr
    # the checked invoices "527" lost a digit: 100 × 317 / 1 527 = 20,8 → « 21 % »
    assert "suspect : avec 1\u00a0527, md24.invoices.anomaly_rate.ratio est vérifiée" in piped_fr
    assert "faute de frappe probable : 1 527 → 527 (chiffre 1 oublié)" in piped_fr
    assert "(proposé 1\u00a0527)" in piped_fr


def test_english_run_prints_english_numbers_and_words(somme_json: dict) -> None:
    proc = run_cli("validate", SOMME, "--lang", "en")
    assert proc.returncode == 1
    out = proc.stdout
    assert SUMMARY_EN.match(out.splitlines()[-1]), out.splitlines()[-1]
    assert "  ERROR md24.invoices.anomaly_rate.ratio · 80 2022 · inconsistent" in out
    # figure lines: the value the English way; the quotation stays as printed
    assert "      113,915.06\u00a0€  samples/cpam-somme-2022/dataset.yaml:92, report l. 81, " \
           "text « pour un montant total facturé de 113 915,06 € »" in out
    assert "    → 7.35%  samples/cpam-somme-2022/dataset.yaml:116" in out
    assert "(suggested 7.36)" in out
    for word in ("ERREUR", "écart", "chiffres", "texte «", "rapport l.", "proposé"):
        assert word not in out, word


@pytest.mark.parametrize("columns", [80, 200])
def test_terminal_width_is_respected(columns: int, somme_json: dict) -> None:
    code, out, _ = run_cli_tty("validate", SOMME, "--rules-table", columns=columns)
    assert code == 1
    plain = ANSI.sub("", out)
    lines = plain.splitlines()
    assert max(map(len, lines)) <= columns
    if columns == 200:
        assert max(map(len, lines)) > 120  # the room is used, not a fixed 120
    for number in _numbers(somme_json):  # a wrap never splits a number from its digits
        assert any(number in line for line in lines), (number, plain)
    assert ANSI.search(out)  # a terminal gets colour by default
    assert SUMMARY_FR.match(lines[-1].strip()) or SUMMARY_FR.match(
        " ".join(x.strip() for x in lines[-2:])), lines[-2:]
    table = plain[plain.index("Règles"):]
    assert "règle" in table and "gravité" in table and "échecs" in table
    assert "md24.invoices.anomaly_rate.ratio" in table.replace("\n", "") or columns == 80
    # the kind column only when there is room for it
    assert ("type" in table.split("\n")[1] + table.split("\n")[2]) == (columns >= 110)


def test_rules_table_on_request(somme_json: dict) -> None:
    for flag in ("-v",):  # --rules-table: in test_terminal_width_is_respected
        proc = run_cli("validate", SOMME, flag)
        lines = proc.stdout.splitlines()
        start = lines.index("Règles")
        header = lines[start + 1].split()
        assert header == ["règle", "type", "gravité", "éléments", "succès", "échecs", "non",
                          "évaluables"]
        row = next(line for line in lines if line.startswith("md24.invoices.anomaly_rate.ratio"))
        assert row.split()[1:] == ["équation", "erreur", "1", "0", "1", "0"]
        assert SUMMARY_FR.match(lines[-1])  # the summary stays last


def test_quiet_prints_the_summary_only() -> None:
    proc = run_cli("validate", SOMME, "--quiet")
    assert proc.returncode == 1
    assert SUMMARY_FR.match(proc.stdout.rstrip("\n")) and proc.stdout.count("\n") == 1


def test_color_option() -> None:
    always = run_cli("validate", SOMME, "--color", "always")
    assert "\x1b[1;31mERREUR\x1b[0m" in always.stdout
    assert SUMMARY_FR.match(ANSI.sub("", always.stdout).splitlines()[-1])
    code, out, _ = run_cli_tty("validate", SOMME, "--color", "never", columns=100)
    assert code == 1 and not ANSI.search(out) and "ERREUR" in out


def test_baseline_accepted_not_counted_new_marked(tmp_path, somme_json: dict) -> None:
    (error,) = [a for a in somme_json["anomalies"] if a["severity"] == "error"]
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(
        "version: 1\nanomalies:\n"
        f"  {error['id']}:\n    rule: {error['rule']}\n    dataset: {error['dataset']}\n"
        "    justification: \"Erratum envoyé le 2023-03-01\"\n", encoding="utf-8")
    proc = run_cli("validate", SOMME, "--baseline", str(baseline))
    assert proc.returncode == 0, proc.stdout + proc.stderr  # only a new warning is left
    lines = proc.stdout.splitlines()
    assert "  ACCEPTÉE (erreur) md24.invoices.anomaly_rate.ratio · 80 2022 · incohérence" in lines
    assert "    acceptée : Erratum envoyé le 2023-03-01" in lines
    assert any(x.startswith("  AVERTISSEMENT NOUVELLE md24.overpayment.share.ratio")
               for x in lines)
    assert "ERREUR" not in proc.stdout
    assert re.match(r"^1 jeu de données, 38 chiffres, \d+ évaluations — 2 anomalies : 0 erreur, "
                    r"1 avertissement, 0 information ; 1 acceptée par la baseline$", lines[-1])


def test_data_text_is_inert_on_the_terminal(tmp_path) -> None:
    from packs import make_dataset, make_pack

    pack = make_pack(tmp_path, """
        rules:
          - {id: parts, kind: equation, severity: error, description: {fr: d, en: d},
             expr: "t.a + t.b == t.total"}
        """)
    ds = make_dataset(tmp_path, """
        figures:
          - {indicator: t.a, value: "1", line: 1, quote: "un \\e[2J effacement \\e]0;x\\a"}
          - {indicator: t.b, value: "1", line: 2, quote: "fin\\n::error::faux"}
          - {indicator: t.total, value: "3", line: 3, quote: q}
        """)
    for args in ([], ["--color", "always"]):
        proc = run_cli("validate", str(ds), "--rules", str(pack), *args)
        assert proc.returncode == 1, proc.stderr
        raw = ANSI.sub("", proc.stdout)  # Rich's own styles removed: no escape may be left
        assert "\x1b" not in raw and "\a" not in raw
        assert "un \\e[2J effacement \\e]0;x\\x07" in raw and "« fin\\n::error::faux »" in raw
        assert not any(line.startswith("::") for line in raw.splitlines())


def test_a_big_run_lists_the_first_200_and_counts_the_rest(tmp_path) -> None:
    """1 800 anomalies: standard output lists 200 (errors first) and says how many are left
    out and where they are; --verbose and a file list all of them."""
    from drsmcheck.outputs import write_outputs

    from .conftest import big, load_sample

    report = big(load_sample(), 200)
    out = io.StringIO()
    write_outputs(report, ["console"], None, None, "en", stdout=out)
    text = out.getvalue()
    listed = [line.split()[0] for line in text.splitlines()
              if re.match(r"  (ERROR|WARNING|INFO) ", line)]
    assert listed == ["ERROR"] * 200
    assert ("… 1,600 anomalies not listed here, in 2 datasets (600 errors, 200 warnings, "
            "800 info)") in text
    assert "--verbose lists them all" in text
    assert text.rstrip().endswith("1,800 anomalies: 800 errors, 200 warnings, 800 info")

    out = io.StringIO()
    write_outputs(report, ["console"], None, None, "en", stdout=out,
                  console={"verbose": True})
    assert "not listed here" not in out.getvalue()
    target = tmp_path / "report.txt"
    write_outputs(report, ["console"], target, None, "en")
    assert "not listed here" not in target.read_text(encoding="utf-8")
    listed_all = re.findall(r"^  (?:ERROR|WARNING|INFO) ", target.read_text(encoding="utf-8"),
                            re.M)
    assert len(listed_all) == 1800
