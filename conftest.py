# Root conftest: keep pytest's doctest collection away from the CLI entry module.
collect_ignore = ["gan_ova/__main__.py"]
