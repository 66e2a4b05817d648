# Reference numbers for Replenish's inventory arithmetic, produced by stockpyl 1.0.2 (PyPI).
# Regenerate: pip install stockpyl==1.0.2 && python3 stockpyl-fixtures.py > stockpyl_reference.csv
# Columns: function, inputs (name=value;...), outputs (name=value;...). Not run in CI.
import stockpyl
from stockpyl import eoq, loss_functions as lf, rq, ss, newsvendor as nv
from importlib.metadata import version
assert version("stockpyl") == "1.0.2", version("stockpyl")

def row(fn, inputs, outputs):
    fmt = lambda d: ";".join(f"{k}={float(v)!r}" for k, v in d.items())
    print(f"{fn},{fmt(inputs)},{fmt(outputs)}")

print("function,inputs,outputs")
for K, h, lam in [(8, 0.225, 1300), (100, 2.5, 5000), (40, 0.5, 12), (1, 1, 1)]:
    Q, c = eoq.economic_order_quantity(K, h, lam)
    row("eoq", dict(K=K, h=h, demand_rate=lam), dict(Q=Q, cost=c))
for z in [-3, -1.5, -0.5, 0, 0.3, 1, 1.645, 2.326, 3.5]:
    L, Lbar = lf.standard_normal_loss(z)
    row("standard_normal_loss", dict(z=z), dict(loss=L, complementary=Lbar))
for x, mu in [(0, 0.5), (2, 1.5), (5, 3), (10, 12.5), (30, 25)]:
    n, nbar = lf.poisson_loss(x, mu)
    row("poisson_loss", dict(x=x, mean=mu), dict(loss=n, complementary=nbar))
for h, p, mu, sd in [(0.18, 0.7, 50, 8), (1, 9, 100, 30), (2, 3, 10, 2)]:
    S, c = nv.newsvendor_normal(h, p, mu, sd)
    row("newsvendor_normal", dict(h=h, p=p, mean=mu, sd=sd), dict(S=S, cost=c))
for h, p, mu in [(1, 9, 6), (0.5, 4.5, 2.5), (2, 20, 15)]:
    S, c = nv.newsvendor_poisson(h, p, mu)
    row("newsvendor_poisson", dict(h=h, p=p, mean=mu), dict(S=S, cost=c))
for h, p, K, mu, sd, L in [(0.225, 7.5, 8, 1300, 150, 1/12), (1, 10, 50, 200, 40, 0.5)]:
    r, Q = rq.r_q_eoqss_approximation(h, p, K, mu, sd, L)
    row("rq_eoqss", dict(h=h, p=p, K=K, mean=mu, sd=sd, L=L), dict(r=r, Q=Q))
for h, p, K, mu, L in [(20, 150, 100, 1.5, 2), (1, 10, 20, 4, 1), (2, 40, 30, 0.8, 3)]:
    r, Q, g = rq.r_q_poisson_exact(h, p, K, mu, L)
    row("rq_poisson_exact", dict(h=h, p=p, K=K, mean=mu, L=L), dict(r=r, Q=Q, cost=g))
for h, p, K, mu in [(1, 4, 5, 6), (0.5, 10, 40, 3), (2, 30, 100, 12)]:
    s, S, g = ss.s_s_discrete_exact(h, p, K, True, mu)
    row("ss_poisson_exact", dict(h=h, p=p, K=K, mean=mu), dict(s=s, S=S, cost=g))
