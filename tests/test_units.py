from apkneed.render.units import human_size


def test_human_size_matches_apk_style_units():
    assert human_size(0) == "0 B"
    assert human_size(1023) == "1023 B"
    assert human_size(1024) == "1.0 KiB"
    assert human_size(1536) == "1.5 KiB"
    assert human_size(103 * 1024 * 1024) == "103.0 MiB"
    assert human_size(3 * 1024**3) == "3.0 GiB"
    assert human_size(5 * 1024**4) == "5120.0 GiB"
