"""Where every clinical fact of the assessments room comes from.

Tags ``S..`` are the source tags of ``clinical-scales.md`` (the team's sourced reference
note); tags ``A..`` are sources found while building this room (public abstracts, open
FHIR examples, open-source scale strings), checked by reading the retrieved text.

Status marks follow the reference note:

* ``VERIFIED``: read in a retrieved copy of the cited source (often an abstract or table);
* ``VERIFIED-secondary`` / ``VERIFIED-weak``: read in a secondary or weak page;
* ``UNVERIFIED``: recalled, weak or not found; such values are configurable data and the
  status is shown in every result that uses them;
* ``DERIVED``: computed or reasoned from verified rules (documented where used).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["VERIFIED", "VERIFIED-secondary", "VERIFIED-weak", "UNVERIFIED", "DERIVED"]

STATUSES: tuple[Status, ...] = (
    "VERIFIED",
    "VERIFIED-secondary",
    "VERIFIED-weak",
    "UNVERIFIED",
    "DERIVED",
)

SOURCES: Mapping[str, str] = {
    "S7": "Sforzini L et al. Mol Psychiatry 2022 (EU-PEARL Delphi), PMC9095475 Table 1",
    "S8": "Rybak YE et al. Depress Anxiety 2021;38(4):456-467, Table 3 (PMC8049072)",
    "S20": "C-SSRS Screening Version, Since Last Contact (docest.com/doc/610945)",
    "S21": "Blueprint Health help page: C-SSRS (Screen) scoring summary",
    "S22": "symptomatik.com C-SSRS screener page; onlinemedicaltools.com/tools/cssrs",
    "S23": "CDISC wiki, C-SSRS QRS supplement (The Research Foundation for Mental Hygiene)",
    "S25": "Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16:606-613",
    "S26": "CamCOPS gad7.py (ucam-department-of-psychiatry/camcops), citing Spitzer 2006",
    "S27": "cbtwatch.com post quoting the IAPT Manual (6-point PHQ-9 / 4-point GAD-7)",
    "S28": "pubcompare.ai protocol text (PHQ-9 0-27, GAD-7 0-21)",
    "S29": "ids-qids.org interpretation table (severity crosswalk, Rush 2003)",
    "S30": "HL7/sdc questionnaire-sdc-profile-example-PHQ9.fsh",
    "S31": "Millisecond Inquisit QIDS-SR16 manual (scoring formula and bands)",
    "S32": "docsbay.net IT-11.23.b QIDS (quoting ids-qids.org licensing)",
    "S33": "CamCOPS hamd.py and extra_strings/hamd.xml (NINDS CDE HAM-D wording)",
    "S34": "volkale/adv src/lib/max_values.py (HAMD17 max 52, MADRS max 60)",
    "S35": "simplifier.net German Psychiatric Data Set IG, Licenses page",
    "S36": "Scale description quoting Snaith et al. 1986 (MADRS grade scores)",
    "S38": "CIRG PHQ-9 configuration (questionLinkIds, maximumScore 27)",
    "S39": "medizininformatik-initiative/kerndatensatzmodul-proms (PHQ-9/GAD-7 profiles)",
    "S40": "FHIR examples with LOINC answers LA6568-5/LA6569-3/LA6570-1/LA6571-9",
    "S42": "sardagsoftware/borsa psychiatry-tools.js (PHQ-9 item-9 > 0 flag pattern)",
    "S44": "docs.getrivet.ca QIDS-SR-16 template (domain mapping)",
    "S45": "hiboop.com QIDS-SR page (remission <= 5, Trivedi 2006)",
    "S46": "Zimmerman M et al. J Affect Disord 2013;150:384-388 (PubMed 23759278)",
    "S47": "Muller MJ et al. J Affect Disord 2000;60:137-140 and 2003;77:255-260",
    "S48": "Columbia C-SSRS triage guidelines (docsbay.net copy)",
    "S50": "PMC8382305 figure 5 note (response >= 50% decrease)",
    "S51": "Szegedi A et al. J Clin Psychiatry 2009;70(3):344-353 (abstract)",
    "S52": "Wagner S et al. J Psychiatr Res 2017;94:96-106 (PubMed 28697423)",
    "S53": "astramd.org MDD article (PHQ-9 remission <= 4), weak secondary",
    "S54": "Zimmerman M, Posternak MA, Chelminski I. J Psychiatr Res 2004;38(6):577-582",
    "S55": "Zimmerman M et al. J Clin Psychiatry 2004;65(2):163-168 (PMID 15003068)",
    "S56": "Hawley CJ et al. 2002 (PubMed 12200208), MADRS < 10",
    "S57": "Thesis quoting Jacobson & Truax 1991 reliable change formula",
    "S58": "psyctc.org reliable change calculator (Evans)",
    "S64": "HL7/personal-health-record-format-ig (GAD-7 ValueSet and QuestionnaireResponse)",
    "A1": (
        "Institute of Medicine, CNS Clinical Trials: Suicidality and Data Collection (2010), "
        "Box 4-1, QIDS-SR thoughts-of-death item (citing Rush 2009); NCBI NBK52954"
    ),
    "A2": (
        "Prim Care Companion CNS Disord 2010;12(5):PCC.09m00894, Table 1 (HDRS item 3 and "
        "MADRS item 10 anchors); PMC3025994"
    ),
    "A3": (
        "Perroud N et al. BMC Med 2009;7:60 (GENDEP), Table 1: HRSD-17 and MADRS suicide "
        "item anchors, MADRS 0-1 'enjoys life', 2-3 'only fleeting suicidal thoughts'"
    ),
    "A4": (
        "HL7/personal-health-record-format-ig QuestionnaireResponse-ScoredAssessment-GAD7.fsh "
        "(GAD-7 item LOINC codes with LA answer codes)"
    ),
    "A5": (
        "Rush AJ et al. Am J Psychiatry 2006;163(11):1905-1917 (STAR*D), abstract: "
        "QIDS-SR16 <= 5 (HRSD17 <= 7) remission; QIDS-SR16 >= 11 (HRSD17 >= 14) relapse"
    ),
    "A6": (
        "Rush AJ et al. Neuropsychopharmacology 2006;31:1841-1853 (ACNP Task Force), "
        "abstract: remission after 3 consecutive weeks of minimal symptoms, lost only by "
        "relapse; recovery after at least 4 months of remission without relapse"
    ),
    "A7": (
        "Frank E et al. Arch Gen Psychiatry 1991;48(9):851-855, consensus definitions of "
        "remission, recovery, relapse, recurrence (abstract; operational numbers not read)"
    ),
    "A8": "Montgomery SA, Asberg M. Br J Psychiatry 1979;134:382-389 (MADRS)",
    "A9": "Spitzer RL et al. Arch Intern Med 2006;166(10):1092-1097 (GAD-7)",
}


@dataclass(frozen=True, slots=True)
class Provenance:
    """The sources and the verification status of one fact.

    Parameters
    ----------
    sources : tuple of str
        Source tags (keys of :data:`SOURCES`), e.g. ``("S25",)``.
    status : Status
        How well the fact is checked (see the module docstring).
    note : str
        Anything a reader must know (what exactly was read, what is derived).
    """

    sources: tuple[str, ...]
    status: Status
    note: str = ""

    def cite(self) -> str:
        """Render as ``[S25][S30] VERIFIED``."""
        tags = "".join(f"[{tag}]" for tag in self.sources)
        return f"{tags} {self.status}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {"sources": list(self.sources), "status": self.status, "note": self.note}
