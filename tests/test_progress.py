from mfcourse.progress import time_printer


def test_time_printer_throttles_and_always_reports_the_end(capsys):
    report = time_printer("solver", every=3600.0)
    for t in (0.5, 1.0, 1.5):
        report(t, 2.0)
    assert capsys.readouterr().out == ""  # throttled: nothing within the hour
    report(2.0, 2.0)
    assert capsys.readouterr().out == "[solver] t = 2 / 2\n"
    eager = time_printer("solver", every=-1.0)
    eager(0.25, 1.0)
    assert capsys.readouterr().out == "[solver] t = 0.25 / 1\n"


def test_solvers_report_progress_when_asked(capsys):
    import numpy as np

    from mfcourse import newton
    from mfcourse.interaction import PairInteraction

    x, v = newton.sample_hmf(64, seed=1)
    newton.simulate(x, v, PairInteraction.hmf(), [0.0, 0.5], 0.1, progress=True)
    out = capsys.readouterr().out
    assert "[newton] t = 0.5 / 0.5" in out
    assert np.isfinite(x).all()
