"""Times scipy's two-sample KS test and Wasserstein-1 distance on two samples.

Usage: scipy_bench.py REF.bin CUR.bin REPEATS

Each file holds little-endian float64 values. Loading is not timed. Prints
one JSON line: the KS statistic and p-value of scipy.stats.ks_2samp (method
"auto", which is "asymp" at a million values a side), the distance of
scipy.stats.wasserstein_distance, and the median seconds of REPEATS runs of
the two calls together. BenchmarkKSWassersteinVsScipy1M runs it.
"""

import json
import statistics
import sys
import time

import numpy
import scipy
import scipy.stats


def main():
    ref_path, cur_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ref = numpy.fromfile(ref_path, dtype="<f8")
    cur = numpy.fromfile(cur_path, dtype="<f8")
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        ks = scipy.stats.ks_2samp(ref, cur)
        w1 = scipy.stats.wasserstein_distance(ref, cur)
        seconds.append(time.perf_counter() - start)
    print(json.dumps({
        "scipy": scipy.__version__,
        "statistic": float(ks.statistic),
        "pvalue": float(ks.pvalue),
        "wasserstein": float(w1),
        "seconds": statistics.median(seconds),
    }))


if __name__ == "__main__":
    main()
