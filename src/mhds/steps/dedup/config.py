"""De-duplication configuration: shingling, MinHash/LSH banding, verification, shuffle sizes.

Why the defaults (5-word shingles, 128 permutations, 32 bands x 4 rows, Jaccard 0.6):

* An edit that substitutes a fraction ``p`` of the tokens, spread out (the worst case), leaves
  ``s = (1 - p) ** k`` of the ``k``-word shingles intact, so the Jaccard similarity of the two
  shingle sets is ``J = s / (2 - s)``. With ``k = 5``: 2 % -> 0.83, 3 % -> 0.75, 4 % -> 0.69,
  5 % -> 0.63, 8 % -> 0.49. Contiguous edits (a sentence added, one answer reworded) destroy far
  fewer shingles and score higher. Five-word shingles keep stock phrases of counselling talk
  ("how does that make you feel") from making unrelated conversations look alike.
* A pair with similarity ``J`` shares at least one of ``b`` bands of ``r`` rows with
  probability ``1 - (1 - J**r)**b``. For 32 x 4: J=0.3 -> 0.23, 0.4 -> 0.56, 0.5 -> 0.87,
  0.6 -> 0.988, 0.7 -> 0.9998. (16 x 8 would find only 24 % of pairs at 0.6; 64 x 2 makes
  almost every pair above 0.2 a candidate.) Candidates below the threshold are removed by
  verification, so a generous S-curve costs verification time, not precision.
* Verification keeps pairs whose estimated Jaccard (share of equal signature values) is at
  least 0.6. The estimate's standard error at 128 permutations is ``sqrt(J(1-J)/128)``, about
  0.04, so 3-4 % spread edits (J 0.69-0.75) are kept with probability >= 0.98 and 5 % ones
  (J 0.63) about three times in four; ``verify="exact"`` removes the estimation noise.
* Two records sharing a long question with different answers (CounselChat) have
  ``J ~ Q / (Q + A1 + A2)`` and merge only when both answers together are shorter than
  two thirds of the question.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Verify = Literal["estimate", "exact"]


class DedupConfig(BaseModel):
    """How exact and near duplicates are found. Every field can change the output."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exact: bool = Field(
        default=True, description="Find exact duplicates by content_hash (canonical form)."
    )
    near: bool = Field(default=True, description="Find near duplicates with MinHash + LSH.")
    shingle_size: int = Field(
        default=5, ge=1, le=32, description="Words per shingle (texts shorter give one shingle)."
    )
    num_perm: int = Field(
        default=128, ge=8, le=1024, description="MinHash permutations (signature length)."
    )
    bands: int = Field(default=32, ge=1, description="LSH bands; bands * rows == num_perm.")
    rows: int = Field(default=4, ge=1, description="Signature values per LSH band.")
    threshold: float = Field(
        default=0.6,
        gt=0.0,
        le=1.0,
        description="Jaccard similarity at or above which a "
        "candidate pair counts as a near duplicate.",
    )
    seed: int = Field(
        default=1,
        ge=0,
        lt=2**64,
        description="Seed of the permutation family (keep it fixed "
        "to compare signatures across builds).",
    )
    verify: Verify = Field(
        default="estimate",
        description="estimate: Jaccard estimated from signatures; exact: true Jaccard of the "
        "shingle sets (stores shingles per shard, slower).",
    )
    buckets: int = Field(
        default=16,
        ge=1,
        le=65536,
        description="Shuffle buckets for band keys and exact hashes; memory per reduce is "
        "about the corpus' band rows / buckets.",
    )
    partitions: int = Field(
        default=4,
        ge=1,
        le=65536,
        description="Verification partitions for candidate pairs; memory per verification is "
        "about the candidate pairs and the signatures they name / partitions. Each reduce "
        "writes one object per partition, so on S3 fewer partitions mean fewer requests.",
    )
    max_run_size: int = Field(
        default=64,
        ge=2,
        description="Records sharing one band key get all pairs up to this "
        "many; above it, a star from the first record plus a chain (linear, bounded).",
    )
    batch_size: int = Field(
        default=4096, ge=1, description="Records hashed together in one vectorised batch."
    )

    @model_validator(mode="after")
    def _bands_cover_signature(self) -> DedupConfig:
        if self.bands * self.rows != self.num_perm:
            raise ValueError(
                f"bands * rows must equal num_perm: {self.bands} * {self.rows} != {self.num_perm}"
            )
        return self

    def candidate_probability(self, jaccard: float) -> float:
        """Probability that a pair with this Jaccard similarity shares a band (the S-curve)."""
        return float(1.0 - (1.0 - jaccard**self.rows) ** self.bands)
