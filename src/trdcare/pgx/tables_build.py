"""Build the PGx room's own compact tables from a CPIC/PharmCAT-format data directory.

The engine reads three small tables in ``pgx/domain/data/`` (allele definitions, allele
function and phenotype rules, antidepressant recommendations). They are the project's own
compilation of public facts (CPIC content is CC0; allele definitions trace to PharmVar/CPIC);
none of the source files is copied. Each table records the data version it was built from
and the SHA-256 of every source file read, so a table can be traced to its input.

The source directory holds, as PharmCAT distributes them (see ``../shared/reference/pgx``):

* ``<GENE>_translation.json`` — allele definitions on GRCh38 (PharmCAT
  ``definition/alleles``);
* ``<GENE>_phenotype.json`` (CYP2C19, CYP2B6) and ``CYP2D6_phenotype.compact.json`` —
  allele function / activity value and the diplotype -> phenotype list;
* ``cpic_guidelines/CPIC_*.json`` — CPIC guideline annotations (PharmGKB export).

Recommendations are rewritten in the project's words from a fixed vocabulary of actions
(:data:`ACTIONS`): every sentence of CPIC's recommendation must be recognised by one of the
patterns, or the build stops naming the sentence — a new CPIC wording is never silently lost.

Run ``trdcare pgx build-tables SOURCE_DIR`` (``--check`` compares with the committed tables).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

GENES = ("CYP2B6", "CYP2C19", "CYP2D6")
TABLE_FILES = ("pgx_alleles.json", "pgx_phenotypes.json", "pgx_recommendations.json")
IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip
GRCH38_CONTIG_LENGTHS = {"chr10": 133797422, "chr19": 58617616, "chr22": 50818468}
LICENCE = (
    "Facts from CPIC (CC0) and PharmVar/CPIC allele definitions as distributed by PharmCAT "
    "(PharmGKB/ClinPGx); compiled by trdcare. No source file is copied."
)


class BuildError(ValueError):
    """The source directory cannot be turned into the tables (names the file and entry)."""


# -- recommendation wording ------------------------------------------------------------------
# (code, pattern over one CPIC sentence, the project's wording). {genes} is the gene(s) CPIC
# names in "metabolized by ...", {drug} the drug of the entry.
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("no_recommendation", r"^no recommendation( due to lack of evidence)?$",
     "CPIC makes no genotype-based recommendation for this result."),
    ("no_action_minimal_evidence", r"^no action recommended based on genotype",
     "No change based on genotype: CPIC found minimal evidence of an effect on efficacy or "
     "side effects."),
    ("usual_start", r"^initiate therapy with (the )?recommended starting dose$",
     "Start at the usual starting dose."),
    ("usual_start_slower_lower", r"^initiate therapy with recommended starting dose\. consider a "
     r"slower titration schedule and lower maintenance dose( than (cyp2c19 |cyp2b6 )?normal "
     r"metabolizers)?$",
     "Start at the usual starting dose, titrate more slowly and aim for a lower maintenance "
     "dose than usual."),
    ("slower_lower", r"^consider a slower titration schedule and lower maintenance dose( than "
     r"(cyp2c19 |cyp2b6 )?normal metabolizers)?$",
     "Titrate more slowly and aim for a lower maintenance dose than usual."),
    ("higher_if_no_response", r"^if patient does not adequately respond to recommended "
     r"maintenance dosing, consider titrating to a higher maintenance dose or switching to a "
     r"clinically appropriate alternative antidepressant not predominantly metabolized by",
     "If the usual maintenance dose does not work, a higher maintenance dose or a switch to "
     "an antidepressant not mainly cleared by {genes} may be considered."),
    ("alternative", r"^(select|consider) (a |an )?(clinically appropriate )?(alternative|"
     r"antidepressant)( drug| antidepressant)? not (predominantly |primarily )?metabolized by"
     r"[^.;]*$",
     "Prefer an antidepressant not mainly cleared by {genes}."),
    ("alternative_or_lower", r"^consider a lower starting dose, slower titration schedule and "
     r"(50|25)% reduction of (the )?standard maintenance dose as (compared to )?(cyp2c19 |cyp2b6 )?"
     r"normal metabolizers( or select a clinically appropriate alternative antidepressant not "
     r"predominantly metabolized by .*)?$",
     "Start lower, titrate more slowly and aim for a maintenance dose about {pct}% below "
     "usual{or_alternative}."),
    ("if_used_lower", r"^if (citalopram or escitalopram|vortioxetine) (are|is) clinically "
     r"appropriate, consider a lower starting dose, slower titration schedule and 50% "
     r"reduction of the standard maintenance dose",
     "If it is still chosen, start lower, titrate more slowly and aim for about half the "
     "usual maintenance dose."),
    ("if_used_higher", r"^if (citalopram or escitalopram) are clinically appropriate, and "
     r"adequate efficacy is not achieved at standard maintenance dosing, consider titrating "
     r"to a higher maintenance dose$",
     "If it is still chosen and the usual maintenance dose does not work, a higher "
     "maintenance dose may be considered."),
    ("lower_start_slower", r"^consider a lower starting dose and slower titration schedule as "
     r"compared to normal metabolizers$",
     "Start lower and titrate more slowly than usual."),
    ("lower_start_25_50_or_alternative", r"^consider a 25-50% lower starting dose and slower "
     r"titration schedule as compared to normal metabolizers or consider a clinically "
     r"appropriate alternative antidepressant not predominantly metabolized by",
     "Start 25-50% lower and titrate more slowly than usual, or prefer an antidepressant not "
     "mainly cleared by {genes}."),
    ("half_start_half_maintenance", r"^consider a 50% reduction in recommended starting dose, "
     r"slower titration schedule, and a 50% lower maintenance dose",
     "Start at half the usual dose, titrate more slowly and aim for half the usual "
     "maintenance dose."),
    ("vortioxetine_half_start_max_10", r"^initiate 50% of starting dose \(e\.g\., 5 mg\) and "
     r"titrate to the maximum recommended dose of 10 mg or consider a clinically appropriate "
     r"alternative antidepressant not predominantly metabolized by",
     "Start at half the usual starting dose (CPIC's example: 5 mg) and titrate to at most "
     "10 mg, or prefer an antidepressant not mainly cleared by {genes}."),
    ("vortioxetine_if_used", r"^if vortioxetine use is warranted, initiate therapy at standard "
     r"starting dose and titrate to maintenance dose based on efficacy and side effects$",
     "If it is still chosen, start at the usual dose and titrate by response and side effects."),
    ("vortioxetine_higher_target", r"^increasing the target maintenance dose by 50% or more may "
     r"be needed for efficacy$",
     "A maintenance dose 50% or more above the usual target may be needed for efficacy."),
    ("avoid_drug", r"^avoid (amitriptyline|clomipramine|doxepin|imipramine|trimipramine) use$",
     "Avoid {drug}."),
    ("avoid_tca_inefficacy", r"^avoid tricyclic use due to potential lack of efficacy$",
     "Avoid tricyclics: they may not work at usual doses."),
    ("avoid_tca_side_effects", r"^avoid tricyclic use due to potential for side effects$",
     "Avoid tricyclics: side effects are likely at usual doses."),
    ("avoid_tertiary_suboptimal", r"^avoid tertiary amine use due to potential for "
     r"sub-optimal response$",
     "Avoid tertiary-amine tricyclics: the response may be poor."),
    ("tca_secondary_amines", r"^tcas without major cyp2c19 metabolism include the secondary "
     r"amines nortriptyline and desipramine$",
     "Nortriptyline and desipramine are tricyclics without major CYP2C19 clearance."),
    ("if_warranted_tdm", r"^if (a )?(amitriptyline|clomipramine|doxepin|imipramine|"
     r"trimipramine|tertiary amine) is warranted, utilize therapeutic drug monitoring to "
     r"guide dose adjustments?$",
     "If it is still chosen, let drug levels guide the dose."),
    ("if_warranted_higher", r"^if (a )?(amitriptyline|clomipramine|doxepin|imipramine|"
     r"trimipramine|tca|tricyclic antidepressant) is warranted, consider titrating to a "
     r"higher target dose \(compared to normal metabolizers\)$",
     "If it is still chosen, a higher target dose than usual may be needed."),
    ("if_warranted_half", r"^if (a )?(amitripyline|amitriptyline|clomipramine|doxepin|imipramine|"
     r"trimipramine|tca|tricyclic antidepressant) is warranted, consider a 50% reduction of "
     r"(the )?recommended starting dose$",
     "If it is still chosen, start at half the usual dose."),
    ("tertiary_half", r"^for tertiary amines, consider a 50% reduction of the recommended "
     r"starting dose$",
     "If a tertiary amine is still chosen, start at half the usual dose."),
    ("reduce_start_25", r"^consider a 25% reduction of recommended starting dose$",
     "Consider a starting dose 25% below usual."),
    ("tdm", r"^utiliz(e|ing) therapeutic drug monitoring to guide dose adjustments?$",
     "Let drug levels guide dose changes."),
    ("tdm_strong", r"^utilizing therapeutic drug monitoring to guide dose adjustments is "
     r"strongly recommended$",
     "Drug-level monitoring to guide the dose is strongly advised."),
    ("titrate_to_response", r"^titrate dose to observed clinical response with symptom "
     r"improvement and minimal \(if any\) side effects$",
     "Titrate to the clinical response and side effects."),
)  # fmt: skip
_ACTION_RE = tuple((code, re.compile(pattern), words) for code, pattern, words in ACTIONS)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load(path: Path) -> Any:
    if not path.is_file():
        raise BuildError(f"{path.name}: missing from the source directory ({path.parent})")
    try:
        return json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BuildError(f"{path.name}: not valid JSON ({exc})") from exc


# -- alleles ---------------------------------------------------------------------------------
def _allowed_vcf_alleles(base: str, variant: dict[str, Any]) -> list[str]:
    """The VCF alleles a definition's entry allows: an IUPAC code (SNVs) expands to its bases."""
    if base in (variant["ref"], *variant["alts"]):
        return [base]
    if len(base) == 1 and base in IUPAC:
        options = [b for b in IUPAC[base] if b in (variant["ref"], *variant["alts"])]
        if options:
            return options
    raise BuildError(
        f"{variant['rsid'] or variant['position']}: allele {base!r} is not a VCF allele of "
        "the position"
    )


def build_alleles(source: Path) -> tuple[dict[str, Any], list[Path]]:
    genes: dict[str, Any] = {}
    used: list[Path] = []
    versions = set()
    for gene in GENES:
        path = source / f"{gene}_translation.json"
        doc = _load(path)
        used.append(path)
        versions.add(doc["version"])
        if not str(doc.get("genomeBuild", "")).startswith("GRCh38"):
            raise BuildError(f"{path.name}: genome build {doc.get('genomeBuild')!r}, not GRCh38")
        variants = doc["variants"]
        positions = [
            {
                "pos": v["position"],
                "rsid": v["rsid"],
                "ref": v["ref"],
                "alts": list(v["alts"]),
                "hgvs": v["chromosomeHgvsName"],
            }
            for v in variants
        ]
        references = [a["name"] for a in doc["namedAlleles"] if a["reference"]]
        if len(references) != 1:
            raise BuildError(f"{path.name}: expected one reference allele, found {references}")
        alleles = []
        for named in doc["namedAlleles"]:
            if named["structuralVariant"]:
                continue
            defs: dict[str, list[str]] = {}
            for index, base in enumerate(named["alleles"]):
                if base is None:
                    continue
                defs[str(index)] = _allowed_vcf_alleles(base, variants[index])
            alleles.append({"name": named["name"], "defs": defs})
        genes[gene] = {
            "chromosome": doc["chromosome"],
            "genome_build": doc["genomeBuild"],
            "reference_allele": references[0],
            "data_version": doc["version"],
            "positions": positions,
            "alleles": alleles,
        }
    return {"genes": genes, "_versions": sorted(versions)}, used


# -- phenotypes ------------------------------------------------------------------------------
def _function_rules(gene: str, doc: dict[str, Any], file: str) -> list[dict[str, Any]]:
    """Collapse CPIC's diplotype -> phenotype list to (function, function) -> phenotype rules,
    checking that the list is consistent with them (one phenotype per function pair)."""
    rules: dict[tuple[str, str], str] = {}
    for row in doc["diplotypes"]:
        alleles = [name for name, count in row["diplotypekey"].items() for _ in range(count)]
        try:
            pair = tuple(sorted(doc["haplotypes"][a] for a in alleles))
        except KeyError as exc:
            raise BuildError(f"{file}: diplotype {row['diplotype']} names unknown {exc}") from exc
        if len(pair) != 2:
            raise BuildError(f"{file}: diplotype {row['diplotype']} is not two alleles")
        key = (pair[0], pair[1])
        if rules.setdefault(key, row["phenotype"]) != row["phenotype"]:
            raise BuildError(
                f"{file}: {gene} functions {key} give both {rules[key]} and {row['phenotype']}"
            )
    return [{"functions": list(k), "phenotype": v} for k, v in sorted(rules.items())]


def _activity_ranges(mapping: dict[str, str], file: str) -> list[dict[str, Any]]:
    """CYP2D6: each phenotype's activity-score range, checked to be contiguous and disjoint."""
    spans: dict[str, list[float]] = defaultdict(list)
    for score, phenotype in mapping.items():
        if score == "n/a":
            continue
        spans[phenotype].append(float(score.lstrip("≥")))
    bounds = sorted((min(v), max(v), p) for p, v in spans.items())
    for (_, lower_max, a), (upper_min, _, b) in itertools.pairwise(bounds):
        if lower_max >= upper_min:
            raise BuildError(f"{file}: activity-score ranges of {a} and {b} overlap")
    ranges: list[dict[str, Any]] = [{"phenotype": p, "min": lo, "max": hi} for lo, hi, p in bounds]
    ranges[-1]["max"] = None  # the top range is open (scores written ">=" belong to it)
    return ranges


def build_phenotypes(source: Path) -> tuple[dict[str, Any], list[Path]]:
    genes: dict[str, Any] = {}
    used: list[Path] = []
    for gene in ("CYP2B6", "CYP2C19"):
        path = source / f"{gene}_phenotype.json"
        doc = _load(path)
        used.append(path)
        genes[gene] = {
            "data_version": doc["version"],
            "method": "function_pair",
            "alleles": [
                {"name": a["name"], "function": a["functionValue"]} for a in doc["namedAlleles"]
            ],
            "rules": _function_rules(gene, doc, path.name),
        }
    path = source / "CYP2D6_phenotype.compact.json"
    doc = _load(path)
    used.append(path)
    genes["CYP2D6"] = {
        "data_version": doc["version"],
        "method": "activity_score",
        "alleles": [
            {"name": a["name"], "function": a["functionValue"], "activity": a["activityValue"]}
            for a in doc["namedAlleles"]
        ],
        "activity_ranges": _activity_ranges(doc["activityScoreToPhenotype"], path.name),
    }
    return {"genes": genes}, used


# -- recommendations -------------------------------------------------------------------------
def _sentences(text: str) -> list[str]:
    main = re.split(r"other considerations", text, flags=re.IGNORECASE)[0]
    parts = re.split(r"(?<=[a-z0-9)])[.;]\s+|(?<=[a-z0-9)])[.;]?\s*$", main.strip())
    return [re.sub(r"\s+", " ", p).strip().rstrip(".;").strip() for p in parts if p.strip()]


def _genes_named(sentence: str) -> str:
    found = re.findall(r"CYP2[A-Z0-9]+", sentence, flags=re.IGNORECASE)
    return " or ".join(dict.fromkeys(g.upper() for g in found))


def reword(text_html: str, drug: str, where: str) -> tuple[list[str], str]:
    """CPIC's recommendation as (action codes, the project's wording)."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text_html))
    codes: list[str] = []
    words: list[str] = []
    for sentence in _sentences(plain):
        lowered = sentence.lower()
        for code, pattern, phrase in _ACTION_RE:
            match = pattern.search(lowered)
            if match is None:
                continue
            pct = re.search(r"(50|25)% reduction of (the )?standard maintenance", lowered)
            or_alt = " alternative antidepressant" in lowered
            genes = _genes_named(sentence)
            words.append(
                phrase.format(
                    genes=genes or "this gene",
                    drug=drug,
                    pct=pct.group(1) if pct else "",
                    or_alternative=(
                        f", or prefer an antidepressant not mainly cleared by {genes}"
                        if or_alt
                        else ""
                    ),
                )
            )
            codes.append(code)
            break
        else:
            raise BuildError(f"{where}: CPIC sentence not in the wording table: {sentence!r}")
    if not codes:
        raise BuildError(f"{where}: empty recommendation")
    if re.search(r"only apply to higher initial doses of tcas", plain, flags=re.IGNORECASE):
        codes.append("tca_depression_doses")
        words.append(
            "CPIC: these dose changes apply to the higher tricyclic doses used for depression, "
            "not to low doses for pain or sleep."
        )
    return codes, " ".join(words)


def build_recommendations(source: Path) -> tuple[dict[str, Any], list[Path]]:
    folder = source / "cpic_guidelines"
    paths = sorted(folder.glob("CPIC_*.json"))
    if not paths:
        raise BuildError(f"cpic_guidelines: no CPIC_*.json files in {folder}")
    guidelines = []
    for path in paths:
        doc = _load(path)
        g = doc["guideline"]
        if g.get("source") != "CPIC":
            raise BuildError(f"{path.name}: source {g.get('source')!r}, not CPIC")
        genes = sorted(x["symbol"] for x in g["relatedGenes"])
        drugs = [c["name"] for c in g["relatedChemicals"]]
        citation = doc["citations"][0] if doc.get("citations") else {}
        entries = []
        for rec in doc["recommendations"]:
            lookup = rec["lookupKey"]
            if any("xN" in v for v in lookup.values()):
                continue  # CPIC's note that 'xN' is no valid input; not a phenotype
            if rec["population"] not in ("general", None) or rec["classification"] is None:
                continue
            for chem in rec["relatedChemicals"]:
                where = f"{path.name} {chem['name']} {lookup}"
                codes, words = reword(rec["text"]["html"], chem["name"], where)
                entries.append(
                    {
                        "drug": chem["name"],
                        "lookup": {k: lookup[k] for k in sorted(lookup)},
                        "classification": rec["classification"]["term"],
                        "actions": codes,
                        "recommendation": words,
                    }
                )
        entries.sort(key=lambda e: (e["drug"], json.dumps(e["lookup"], ensure_ascii=False)))
        guidelines.append(
            {
                "id": g["id"],
                "drugs": drugs,
                "genes": genes,
                "url": g["url"],
                "guideline_version": g["version"],
                "publication": {
                    "pmid": citation.get("pmid"),
                    "year": citation.get("year"),
                    "title": citation.get("title"),
                },
                "data_version": doc["version"],
                "entries": entries,
            }
        )
    return {"guidelines": guidelines}, paths


def build(source: Path) -> dict[str, dict[str, Any]]:
    """The three tables (file name -> document) built from ``source``."""
    source = Path(source)
    if not source.is_dir():
        raise BuildError(f"source: not a directory: {source}")
    alleles, used_a = build_alleles(source)
    versions = alleles.pop("_versions")
    phenotypes, used_p = build_phenotypes(source)
    recs, used_r = build_recommendations(source)

    def stamp(table: str, body: dict[str, Any], used: list[Path], version: str) -> dict[str, Any]:
        return {
            "table": table,
            "data_version": version,
            "licence": LICENCE,
            "built_from": {p.relative_to(source).as_posix(): _sha256(p)[:16] for p in sorted(used)},
            **body,
        }

    rec_versions = sorted({g["data_version"] for g in recs["guidelines"]})
    ph_versions = sorted({g["data_version"] for g in phenotypes["genes"].values()})
    return {
        "pgx_alleles.json": stamp("pgx-alleles", alleles, used_a, " + ".join(versions)),
        "pgx_phenotypes.json": stamp("pgx-phenotypes", phenotypes, used_p, " + ".join(ph_versions)),
        "pgx_recommendations.json": stamp(
            "pgx-recommendations", recs, used_r, " + ".join(rec_versions)
        ),
    }


def _render(value: Any, indent: int) -> str:
    pad = " " * indent
    if isinstance(value, dict) and value and indent < 4:
        items = [f"{pad} {json.dumps(k)}: {_render(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        if indent < 3 and any(isinstance(v, list) and len(v) > 3 for v in value[0].values()):
            items = [f"{pad} {_render(v, indent + 1)}" for v in value]
        else:
            items = [f"{pad} {json.dumps(v, ensure_ascii=False)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


def render(document: dict[str, Any]) -> str:
    """The committed text of a table: stable (a rebuild compares byte for byte) and one line
    per entry, so a data refresh reads as a short diff."""
    return _render(document, 0) + "\n"


def write(tables: dict[str, dict[str, Any]], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, doc in tables.items():
        target = out_dir / name
        target.write_text(render(doc), "utf-8")
        written.append(target)
    return written


def default_out_dir() -> Path:
    return Path(__file__).resolve().parent / "domain" / "data"
