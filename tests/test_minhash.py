"""MinHash over word shingles: similar texts are found alike, different ones are not."""

import pytest

from vigie.stories import minhash

WIRE = ("North Korean leader Kim Jong Un has again admitted there is a food problem in the country, during a speech "
        "which brought an important five-day meeting of his Korean Worker's Party to a close.")


@pytest.mark.parametrize(
    ("other", "low", "high"),
    [
        (WIRE, 1.0, 1.0),
        (WIRE.upper(), 1.0, 1.0),  # case does not matter
        (WIRE.replace("an important five-day", "a five-day"), 0.7, 1.0),  # lightly edited
        (WIRE + " Pyongyang did not comment.", 0.75, 1.0),  # one sentence added
        ("Russia's parliament approved the annexation of four regions of Ukraine on Monday, as fighting continued "
         "in the east of the country and in the south near Kherson.", 0.0, 0.1),
    ],
)
def test_similarity_estimates_shingle_overlap(other: str, low: float, high: float) -> None:
    sim = minhash.similarity(minhash.signature(WIRE), minhash.signature(other))
    assert low <= sim <= high


def test_signature_is_stable_and_buckets_find_near_duplicates() -> None:
    a = minhash.signature(WIRE)
    assert a == minhash.signature(WIRE)  # stored signatures stay comparable across runs
    assert len(a) == minhash.NUM_PERM
    edited = minhash.signature(WIRE.replace("important ", ""))
    assert set(minhash.buckets(a)) & set(minhash.buckets(edited))
    unrelated = minhash.signature("Stock markets rose on Tuesday after the central bank held interest rates steady for a third month.")
    assert not set(minhash.buckets(a)) & set(minhash.buckets(unrelated))


def test_empty_text_has_no_signature() -> None:
    assert minhash.signature("") == []
    assert minhash.similarity([], []) == 0.0
    assert minhash.buckets([]) == []


def test_accents_fold() -> None:
    assert minhash.words("Élysée KOURSK l'Ukraine") == ["elysee", "koursk", "l", "ukraine"]
