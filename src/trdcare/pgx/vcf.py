"""Read sample genotypes at the PGx positions from a VCF (the room's file adapter; cyvcf2).

* plain or bgzipped, one or many samples, whole-genome or a targeted panel; with a tabix or
  CSI index only the three genes' regions are read, otherwise the file is streamed once;
* GRCh38 only: the build is checked from the header (``##reference``, contig lengths) and,
  when the header says nothing, from the REF bases at the defined positions;
* chromosome names with or without ``chr``;
* representation normalisation without a reference genome: each (POS, REF, ALT) is trimmed
  to its minimal form (common suffix, then common prefix) before it is compared with the
  definitions' (also trimmed), so padded indels, multi-allelic records and records split
  per ALT (merged back per sample) are read alike; an ALT no definition has is kept as a
  novel allele (it blocks the alleles that need the reference there);
* gVCF reference blocks (symbolic ALT only, ``END``) count as reference for the positions
  they cover;
* a position with no record is *missing* (never assumed reference).

Indels that a caller placed elsewhere in a repeat (not left-aligned) cannot be realigned
without the reference sequence; normalise such files with ``bcftools norm -f GRCh38.fa``.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from trdcare.core.errors import InvalidInput, Issue
from trdcare.pgx.domain import tables
from trdcare.pgx.domain.matching import MISSING, NOVEL, GenePanel, panel

GRCH38_LENGTHS = {"10": 133797422, "19": 58617616, "22": 50818468}
OTHER_BUILDS = {
    "10": {135534747: "GRCh37/hg19", 135374737: "hg18/NCBI36"},
    "19": {59128983: "GRCh37/hg19", 63811651: "hg18/NCBI36"},
    "22": {51304566: "GRCh37/hg19", 49691432: "hg18/NCBI36"},
}
SYMBOLIC = {"<NON_REF>", "<*>", "."}


def _bad(
    path: str, message: str, allowed: str | None = None, given: str | None = None
) -> InvalidInput:
    return InvalidInput(message, issues=[Issue(path, message, allowed, given)])


def _minimal(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref.upper(), alt.upper()


@dataclass(frozen=True, slots=True)
class _GeneIndex:
    panel: GenePanel
    by_pos: dict[int, int]  # position -> index
    by_key: dict[tuple[int, str, str], tuple[int, int]]  # minimal form -> (index, code)
    start: int
    end: int


def _gene_index(p: GenePanel) -> _GeneIndex:
    by_key: dict[tuple[int, str, str], tuple[int, int]] = {}
    for i, (pos, ref, alts) in enumerate(zip(p.positions, p.refs, p.alts, strict=True)):
        for code, alt in enumerate(alts, start=1):
            by_key[_minimal(pos, ref, alt)] = (i, code)
    span_end = max(pos + len(ref) for pos, ref in zip(p.positions, p.refs, strict=True))
    return _GeneIndex(
        p, {pos: i for i, pos in enumerate(p.positions)}, by_key, min(p.positions), span_end
    )


@dataclass
class SampleGenotypes:
    """Codes for every sample at one gene's positions (see :mod:`..domain.matching`)."""

    gene: str
    codes: npt.NDArray[np.int8]  # [samples, positions, 2]
    phased: npt.NDArray[np.bool_]  # [samples, positions]
    seen: npt.NDArray[np.bool_]  # [positions]: a record covered the position


@dataclass
class VcfGenotypes:
    path: str
    samples: tuple[str, ...]
    genes: dict[str, SampleGenotypes]
    warnings: list[str] = field(default_factory=list)
    # sample index -> what is wrong with its genotypes (its calls there are set missing)
    sample_errors: dict[int, str] = field(default_factory=dict)


def _check_is_vcf(path: Path) -> None:
    if not path.is_file():
        raise _bad("file", "does not exist or is not a file", "a VCF file", str(path))
    with path.open("rb") as fh:
        head = fh.read(2)
    try:
        if head == b"\x1f\x8b":
            with gzip.open(path, "rb") as gz:
                first = gz.read(64)
        else:
            with path.open("rb") as fh:
                first = fh.read(64)
    except (OSError, EOFError) as exc:
        raise _bad("file", "is not a readable VCF (damaged gzip)", "VCF 4.x", path.name) from exc
    if not first.startswith(b"##fileformat=VCF"):
        raise _bad(
            "file",
            "is not a VCF: the first line must be ##fileformat=VCFv4.x",
            "VCF 4.x, plain or bgzipped",
            first[:30].decode("latin-1", "replace").splitlines()[0] if first else "(empty file)",
        )


def _check_build(header: str, seqnames: Sequence[str]) -> list[str]:
    notes: list[str] = []
    ref_line = re.search(r"^##reference=(.*)$", header, flags=re.MULTILINE)
    if ref_line:
        text = ref_line.group(1).lower()
        if re.search(r"grch37|hg19|b37|hs37|human_g1k_v37|ncbi36|hg18", text):
            raise _bad(
                "genome build",
                "the header names a reference other than GRCh38",
                "GRCh38 (hg38)",
                ref_line.group(1)[:80],
            )
    for m in re.finditer(r"^##contig=<([^>]*)>", header, flags=re.MULTILINE):
        fields = dict(
            kv.split("=", 1) for kv in re.split(r",(?=[A-Za-z_]+=)", m.group(1)) if "=" in kv
        )
        name = fields.get("ID", "").removeprefix("chr")
        if name in GRCH38_LENGTHS and "length" in fields:
            length = int(fields["length"])
            if length != GRCH38_LENGTHS[name]:
                build = OTHER_BUILDS[name].get(length, "not GRCh38")
                raise _bad(
                    "genome build",
                    f"contig {fields['ID']} is {length} bp long ({build}); trdcare reads GRCh38",
                    f"GRCh38: {GRCH38_LENGTHS[name]} bp",
                    str(length),
                )
    return notes


def _contig(seqnames: Sequence[str], chromosome: str) -> str | None:
    bare = chromosome.removeprefix("chr")
    for candidate in (chromosome, bare):
        if candidate in seqnames:
            return candidate
    return None


def _has_index(path: Path) -> bool:
    return any(Path(str(path) + ext).is_file() for ext in (".tbi", ".csi"))


def read_genotypes(
    path: str | Path,
    *,
    samples: Sequence[str] | None = None,
    genes: Sequence[str] = tables.GENES,
    strict: bool = True,
) -> VcfGenotypes:
    """Genotype codes of ``samples`` (default: every sample) at ``genes``' positions.

    ``strict`` (one sample, ``pgx call``) refuses a malformed record or genotype; otherwise
    (``pgx batch``) a bad record is a warning and a bad genotype marks only its sample.

    Raises
    ------
    InvalidInput
        Not a VCF, not GRCh38, no GT field, an unknown sample, a malformed genotype.
    """
    import cyvcf2  # imported here: the web app and the other commands need not load it

    file = Path(path)
    _check_is_vcf(file)
    try:
        vcf = cyvcf2.VCF(str(file), lazy=True)
    except Exception as exc:  # cyvcf2 raises a bare Exception for a header htslib refuses
        raise _bad(
            "file",
            "could not be read as a VCF (a damaged or truncated file, or a malformed header)",
            "VCF 4.x",
            file.name,
        ) from exc
    try:
        all_samples = list(vcf.samples)
        if not all_samples:
            raise _bad(
                "file", "has no samples (no genotype columns)", "a VCF with samples", file.name
            )
        if samples:
            unknown = [s for s in samples if s not in all_samples]
            if unknown:
                shown = ", ".join(all_samples[:10]) + (" ..." if len(all_samples) > 10 else "")
                raise _bad("sample", f"{unknown[0]} is not a sample of this VCF", shown, unknown[0])
            vcf.set_samples(list(samples))
            chosen = tuple(samples)
        else:
            chosen = tuple(all_samples)
        header = vcf.raw_header
        if "##FORMAT=<ID=GT" not in header:
            raise _bad("file", "has no genotypes (no FORMAT GT field)", "FORMAT GT", file.name)
        warnings = _check_build(header, vcf.seqnames)
        indexed = _has_index(file)
        out: dict[str, SampleGenotypes] = {}
        indices = {g: _gene_index(panel(g)) for g in genes}
        state = {
            g: SampleGenotypes(
                g,
                np.full((len(chosen), ix.panel.n_positions, 2), MISSING, dtype=np.int8),
                np.zeros((len(chosen), ix.panel.n_positions), dtype=bool),
                np.zeros(ix.panel.n_positions, dtype=bool),
            )
            for g, ix in indices.items()
        }
        ref_checked = [0, 0]  # records at defined positions, of which REF disagreed
        errors: dict[int, str] = {}
        for gene, variant in _records(vcf, indices, indexed, warnings, strict):
            _apply(indices[gene], state[gene], variant, ref_checked, errors)
        if errors and strict:
            s, message = next(iter(errors.items()))
            raise _bad(
                "genotype", f"sample {chosen[s]}: {message}", "diploid GT such as 0/1 or 0|1", None
            )
        if ref_checked[0] >= 3 and ref_checked[1] * 2 > ref_checked[0]:
            raise _bad(
                "genome build",
                f"REF disagrees with GRCh38 at {ref_checked[1]} of {ref_checked[0]} PGx "
                "positions: the file is not on GRCh38",
                "GRCh38 (hg38)",
                f"{ref_checked[1]} REF mismatches",
            )
        if ref_checked[1]:
            warnings.append(
                f"REF differs from GRCh38 at {ref_checked[1]} PGx position(s); those calls "
                "are treated as novel alleles."
            )
        out.update(state)
        for gene_state in out.values():
            for s in errors:
                gene_state.codes[s] = MISSING
        return VcfGenotypes(str(file), chosen, out, warnings, errors)
    finally:
        vcf.close()


def _safe(records: Iterator[object], warnings: list[str], strict: bool) -> Iterator[object]:
    """Records of an iterator; htslib refuses a malformed line as a whole (e.g. a GT of
    ``0/A``): strict stops with a clear message, otherwise it is skipped with a warning."""
    previous = "the header"
    while True:
        try:
            variant = next(records)
        except StopIteration:
            return
        except Exception as exc:  # cyvcf2 raises a bare Exception for a line htslib refuses
            if strict:
                raise _bad(
                    "genotype",
                    f"a record after {previous} cannot be read (malformed line or genotype)",
                    "VCF 4.x records; GT such as 0/1, 1|0 or ./.",
                    str(exc)[:80],
                ) from exc
            warnings.append(f"A record after {previous} could not be read and was skipped.")
            continue
        previous = f"{variant.CHROM}:{variant.POS}"  # type: ignore[attr-defined]
        yield variant


def _records(
    vcf: object,
    indices: dict[str, _GeneIndex],
    indexed: bool,
    warnings: list[str],
    strict: bool,
) -> Iterator[tuple[str, object]]:
    seqnames = list(vcf.seqnames)  # type: ignore[attr-defined]
    if indexed:
        for gene, ix in indices.items():
            contig = _contig(seqnames, ix.panel.chromosome)
            if contig is None:
                continue
            region = vcf(f"{contig}:{ix.start - 1}-{ix.end}")  # type: ignore[operator]
            for variant in _safe(iter(region), warnings, strict):
                yield gene, variant
        return
    by_chrom: dict[str, list[tuple[str, _GeneIndex]]] = {}
    for gene, ix in indices.items():
        by_chrom.setdefault(ix.panel.chromosome.removeprefix("chr"), []).append((gene, ix))
    for variant in _safe(iter(vcf), warnings, strict):  # type: ignore[call-overload]
        chrom = variant.CHROM.removeprefix("chr")  # type: ignore[attr-defined]
        for gene, ix in by_chrom.get(chrom, ()):
            end = variant.end  # type: ignore[attr-defined]
            if ix.start - 1 <= end and ix.end >= variant.POS:  # type: ignore[attr-defined]
                yield gene, variant


def _apply(
    ix: _GeneIndex,
    st: SampleGenotypes,
    variant: object,
    ref_checked: list[int],
    errors: dict[int, str],
) -> None:
    v = variant
    pos: int = v.POS  # type: ignore[attr-defined]
    ref: str = v.REF  # type: ignore[attr-defined]
    alts: list[str] = list(v.ALT)  # type: ignore[attr-defined]
    p = ix.panel
    real_alts = [a for a in alts if a not in SYMBOLIC and not a.startswith("<")]
    # which defined positions this record speaks about, and each allele index's code there
    targets: dict[int, list[int]] = {}
    if not real_alts:
        end = v.end  # type: ignore[attr-defined]
        for i, defined in enumerate(p.positions):
            if pos <= defined <= end:
                targets[i] = [0] + [MISSING] * len(alts)
    else:
        mapped: list[tuple[int, int] | None] = []
        for alt in alts:
            if alt in SYMBOLIC or alt.startswith("<"):
                mapped.append(None)
                continue
            if alt == "*":
                mapped.append((-1, NOVEL))
                continue
            key = _minimal(pos, ref, alt)
            hit = ix.by_key.get(key)
            if hit is None and key[0] in ix.by_pos and len(key[1]) == len(key[2]) == 1:
                hit = (ix.by_pos[key[0]], NOVEL)
            mapped.append(hit)
        if pos in ix.by_pos and len(ref) >= 1:
            i = ix.by_pos[pos]
            ref_checked[0] += 1
            if ref[0].upper() != p.refs[i][0].upper():
                ref_checked[1] += 1
        for hit in mapped:
            if hit is not None and hit[0] >= 0:
                targets.setdefault(hit[0], [])
        if pos in ix.by_pos and not targets and any(m is not None for m in mapped):
            targets[ix.by_pos[pos]] = []
        for i in targets:
            codes = [0]
            for hit in mapped:
                if hit is None:
                    codes.append(MISSING)
                elif hit[0] == i or (hit[0] == -1 and p.positions[i] >= pos):
                    codes.append(hit[1])
                else:
                    codes.append(0)
            targets[i] = codes
    if not targets:
        return
    gt = v.genotype.array()  # type: ignore[attr-defined]
    where = f"{v.CHROM}:{pos}"  # type: ignore[attr-defined]
    raw = gt[:, :-1].astype(np.int32)
    ploidy = (raw != -2).sum(axis=1)  # -2 pads a shorter (e.g. haploid) call
    first = raw[:, 0]
    second = np.where(ploidy >= 2, raw[:, 1] if raw.shape[1] > 1 else first, first)
    alleles = np.stack([first, second], axis=1)
    for s in np.flatnonzero(ploidy > 2):
        errors.setdefault(int(s), f"{ploidy[s]} alleles at {where}; PGx genes are diploid")
    for s in np.flatnonzero((alleles > len(alts)).any(axis=1)):
        errors.setdefault(
            int(s),
            f"allele {int(alleles[s].max())} at {where}, but the record has {len(alts)} ALT",
        )
    alleles = np.where(alleles > len(alts), -1, alleles)
    phased = gt[:, -1].astype(bool) | (ploidy == 1)
    for i, codes in targets.items():
        table = np.asarray([*codes, MISSING], dtype=np.int8)  # index -1 -> MISSING
        new = table[np.where(alleles < 0, len(codes), alleles)]
        _merge(st, i, new, phased)
        st.seen[i] = True


def _merge(
    st: SampleGenotypes, i: int, new: npt.NDArray[np.int8], phased: npt.NDArray[np.bool_]
) -> None:
    """Combine a record's calls at position ``i`` with earlier records' (split multi-allelic
    records, overlapping indels): a reference call never hides a variant call."""
    old = st.codes[:, i, :]
    if not st.seen[i]:
        st.codes[:, i, :] = new
        st.phased[:, i] = phased
        return
    old_var = (old > 0).any(axis=1)
    new_var = (new > 0).any(axis=1)
    take_new = (~old_var & new_var) | ((old < 0).any(axis=1) & ~old_var & ~(new < 0).any(axis=1))
    st.codes[take_new, i, :] = new[take_new]
    st.phased[take_new, i] = phased[take_new]
    both = old_var & new_var
    for s in np.flatnonzero(both):
        variants = [int(c) for c in old[s] if c > 0] + [int(c) for c in new[s] if c > 0]
        variants = variants[:2] if len(variants) >= 2 else [*variants, 0]
        st.codes[s, i, :] = variants
        st.phased[s, i] = False


def list_samples(path: str | Path) -> tuple[str, ...]:
    import cyvcf2

    file = Path(path)
    _check_is_vcf(file)
    vcf = cyvcf2.VCF(str(file), lazy=True)
    try:
        return tuple(vcf.samples)
    finally:
        vcf.close()
