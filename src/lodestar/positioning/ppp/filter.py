"""The PPP extended Kalman filter: one pass over the epochs, vectorised over satellites.

State: marker position (3), one receiver clock per system (m), zenith wet delay (m), one float
ionosphere-free ambiguity per satellite column (m; reset when the satellite's arc number changes).

- Position: static = constant (no process noise); kinematic = white noise (re-initialised each
  epoch around the previous estimate with a 100 m sigma, as RTKLIB's kinematic PPP does).
- Clocks: white noise; each epoch re-initialised from the median code residual of the system,
  30 m sigma (systems differ by seconds and hardware delays; one clock per system absorbs both).
- Zenith wet delay: random walk, ``ztd_psd_m2_per_h`` (default 1e-4 m^2/h = 1 cm/sqrt(h), the
  usual value for mid-latitude PPP, e.g. Kouba & Héroux 2001 GPS Solutions 5(2)); a-priori
  Saastamoinen hydrostatic + wet zenith delays, Niell (1996) mapping functions.
- Horizontal gradients (optional, ``FilterConfig.gradients``): two states G_N, G_E (m), slant delay
  m_g(E) (G_N cos a + G_E sin a) with the Chen & Herring (1997) mapping m_g = 1 / (sin E tan E +
  0.0032) (IERS Conventions 2010 §9.2 eq. 9.12-9.13); a priori 0 +- 5 mm, random walk 0.4 mm/sqrt(h)
  (PRIDE PPP-AR 2's defaults: ``HTGm`` .005 m and the ``STO`` process noise .0004 m/sqrt(h)).
- Ambiguities: constant (optionally a random walk, ``ambiguity_psd_m2_per_s``, as RTKLIB's
  ``stats-prnbias``); initialised from phase minus code with a 30 m sigma.
- GLONASS inter-frequency code biases: one constant per GLONASS satellite (FDMA: the receiver's
  code delay differs per frequency channel, by metres on ESBC's receiver; Wanninger 2012, GPS
  Solutions 16:439), prior 5 m; without them biased codes drag a 5-7 satellite kinematic solution.
  The same constant per BeiDou satellite by default (``api.CODE_BIAS_SYSTEMS``): IAC's clocks leave
  metre-level per-satellite code offsets.
- Receiver inter-signal code biases: one constant per group of satellites whose code is on another
  signal pair than their system's clock reference (BDS-3 on B1C/B2a beside B1I/B3I; ``isb_group``),
  prior 30 m, code only: the receiver's B1C/B2a-B1I/B3I IF code delay and, without OSBs, the group's
  mean satellite bias (the float ambiguities take the phase part).
- Weights: sigma^2 = f_IF^2 (a^2 + b^2 / sin^2 el), a = b = 3 mm phase and 0.3 m code (RTKLIB's
  defaults: err 0.003 m, eratio 100), f_IF = sqrt(a1^2 + a2^2) the IF noise factor, plus a per-system product-error sigma
  (clock interpolation: 15-min BeiDou clocks cost centimetres).
- Satellite clock errors of clocks interpolated from 15-min samples: correlated over minutes, so one
  first-order Gauss-Markov state per such satellite (same in code and phase; sigma and correlation
  time measured, ``api._CLOCK_STATE_SIGMA_M``), instead of white noise the filter would average away.
- Update: Joseph form (I - KH) P (I - KH)' + K R K' (Bucy & Joseph 1968), numerically safe with
  30 m and 3 mm sigmas side by side, symmetrised; only the live states (position, clocks, ZWD,
  ambiguities and code biases in use) enter it.
- Quality control: pre-fit code innovations over 30 m are dropped; after the update the worst
  normalised post-fit residual above 4 sigma is rejected (phase: its ambiguity restarts, and a phase
  rejected again after its restart leaves the epoch with its code; code: that code is dropped) and
  the epoch is re-solved, up to ``max_rejections`` times. An arc that starts where the code fails the
  30-m gate takes its ambiguity from the model instead of that code.

Speed (a day of R+C at 30 s, docs/ppp-benchmark.md): the measurement models (geometry, Earth
rotation, elevations, troposphere, weights) are computed vectorised over blocks of epochs x
satellites at a reference position (:class:`_Models`), so the per-epoch loop holds little more
than the Kalman update, on the live states only, with numpy's LU solve (scipy's Cholesky solve on
the full live set let OpenBLAS thread each ~60 x 60 solve: 10x the loop's time on a loaded machine;
numpy's at these sizes stays on one thread: a one-thread limit changes nothing, measured); plain
numpy (a numba import alone costs 0.35-0.5 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...constants import C_MPS
from ...frames import ecef_to_geodetic, enu_matrix
from ...models.geometry import rotate_for_earth_rotation
from ...models.mapping import gradient_mapping, niell_mapping
from ...models.troposphere import saastamoinen_zenith_m

__all__ = ["FilterConfig", "FilterInput", "FilterOutput", "run_filter"]

_POSITION_SIGMA_M = 100.0  # kinematic white-noise / initial position sigma
_CLOCK_SIGMA_M = 30.0
_AMBIGUITY_SIGMA_M = 30.0
_ZWD_SIGMA_M = 0.2  # initial zenith wet delay sigma
#: a priori sigma of each horizontal gradient (m): PRIDE PPP-AR 2's ``HTGm`` (table/config_template,
#: .005 m); gradients are ~0.5-1 mm typically, a few mm at weather fronts: 5 mm does not constrain them
_GRADIENT_SIGMA_M = 0.005
_CODE_GATE_M = 30.0
_CODE_BIAS_SIGMA_M = 5.0  # GLONASS inter-frequency code bias prior (receiver IFBs reach metres)
_ISB_SIGMA_M = 30.0  # inter-signal code bias prior: unknown receiver delays (like the clocks' 30 m)
_REJECT_SIGMAS = 4.0
_RETIRE_AFTER_NS = 600 * 10**9  # longer than any gap an arc survives (quality.screen: <= 75 s at 30 s)
_MODEL_TOL_M = 0.5  # models of a block serve positions within this of its reference (_Models: < 2e-5 m error)
_HEIGHT_STEP_M = 1.0  # finite-difference step of the hydrostatic delay's height derivative
_BLOCK_START, _BLOCK_MAX = 8, 512  # epochs per model block: first length, longest


@dataclass(frozen=True)
class FilterConfig:
    kinematic: bool = False
    mask_rad: float = np.radians(7.0)
    ztd_psd_m2_per_s: float = 1e-4 / 3600.0
    phase_sigma_m: float = 0.003
    code_sigma_m: float = 0.3
    code_factor: dict = field(default_factory=dict)
    product_sigma_m: dict = field(default_factory=dict)
    restart_s: float | None = None
    clock_state_tau_s: float = 600.0  # correlation time of the satellite clock-error states
    glonass_code_bias: bool = True
    max_rejections: int = 4
    gradients: bool = False  # estimate horizontal tropospheric gradients (G_N, G_E)
    #: random walk of each gradient, m^2/s: (0.4 mm)^2 per hour, PRIDE PPP-AR 2's ``STO`` default
    #: (scripts/pdp3.sh: htgp .0004 m/sqrt(h))
    gradient_psd_m2_per_s: float = 0.0004**2 / 3600.0
    #: random walk of every float ambiguity, m^2/s (0: constant over its arc; RTKLIB's stats-prnbias squared)
    ambiguity_psd_m2_per_s: float = 0.0


@dataclass(frozen=True, eq=False)
class FilterInput:
    times_ns: np.ndarray  # (T,)
    systems: str  # clock order, e.g. "RC"
    sys_index: np.ndarray  # (S,)
    p_if: np.ndarray  # (T, S)
    l_if: np.ndarray  # (T, S)
    arc: np.ndarray  # (T, S) int, -1 unusable
    if_factor: np.ndarray  # (S,) IF noise factor
    sat_xyz: np.ndarray  # (T, S, 3)
    sat_clock_m: np.ndarray  # (T, S)
    code_corr_m: np.ndarray  # (T, S)
    phase_corr_m: np.ndarray  # (T, S)
    tide_m: np.ndarray  # (T, 3)
    antenna_enu_m: np.ndarray  # (S, 3): marker -> antenna phase centre (delta H/E/N + IF PCO)
    approx_xyz: np.ndarray  # (3,)
    day_of_year: np.ndarray  # (T,)
    svs: np.ndarray | None = None  # (S,)
    code_bias_sat: np.ndarray | None = None  # (S,) bool: satellites with an estimated code bias
    orbit_var_m2: np.ndarray | None = None  # (T, S) extra range variance: SP3 off-centre, coarser clocks
    handover: np.ndarray | None = None  # (T, S) bool: the satellite passes to another analysis centre here
    clock_state_sigma_m: np.ndarray | None = None  # (T, S) Gauss-Markov sigma of the cell's clock error, 0 none
    isb_group: np.ndarray | None = None  # (S,) int: the receiver inter-signal code bias of the satellite's code, -1 none
    meta: dict = field(default_factory=dict)


@dataclass(eq=False)
class FilterOutput:
    xyz: np.ndarray  # (T, 3)
    cov: np.ndarray  # (T, 3, 3)
    zwd_m: np.ndarray
    zhd_m: np.ndarray
    zwd_sigma_m: np.ndarray
    clock_m: np.ndarray  # (T, n_sys)
    n_used: np.ndarray  # (T,)
    n_used_sys: np.ndarray  # (T, n_sys)
    updated: np.ndarray  # (T,) bool
    note: np.ndarray  # (T,) object
    code_res: np.ndarray  # (T, S) post-fit
    phase_res: np.ndarray
    ambiguity_m: np.ndarray
    elevation_rad: np.ndarray
    azimuth_rad: np.ndarray
    since_start_s: np.ndarray  # (T,) seconds since the filter (re)started
    nis: np.ndarray  # (T,) normalised innovation squared per observation (1 if the noise model holds)
    isb_m: np.ndarray | None = None  # (T, G) receiver inter-signal code biases after each epoch (NaN unused)
    rejected: int = 0
    gradient_m: np.ndarray | None = None  # (T, 2) G_N, G_E (m), with gradients only
    gradient_sigma_m: np.ndarray | None = None  # (T, 2)


class _State:
    def __init__(self, n_sys: int, n_sat: int, n_grad: int = 0, n_isb: int = 0):
        self.n_sys, self.n_sat, self.n_grad, self.n_isb = n_sys, n_sat, n_grad, n_isb
        # position, clocks, ZWD, gradients (0 or 2), ambiguities (S), code biases (S), clock errors (S),
        # receiver inter-signal code biases (0 or more)
        self.n = 3 + n_sys + 1 + n_grad + 3 * n_sat + n_isb
        self.x = np.zeros(self.n)
        self.P = np.zeros((self.n, self.n))
        self.arc = np.full(n_sat, -1, np.int64)
        self.last_seen_ns = np.zeros(n_sat, np.int64)
        self.alive = np.zeros(n_sat, bool)  # ambiguity state in use (others are zero rows, skipped)
        self.bias_alive = np.zeros(n_sat, bool)  # code-bias state in use (GLONASS IFB)
        self.clk_alive = np.zeros(n_sat, bool)  # clock-error state in use (clocks interpolated from 15 min)
        self.clk_sigma = np.zeros(n_sat)  # its steady-state sigma (m)
        self.isb_alive = np.zeros(n_isb, bool)  # inter-signal bias state in use
        self.live = None  # (live state indices, as a column, each state's column in them); None: to redo
        self.base_states = np.arange(3 + n_sys + 1 + n_grad)  # position, clocks, ZWD, gradients
        self.started = False
        self.start_ns = None
        self.last_ns = None
        self.nis = np.nan

    @property
    def i_zwd(self):
        return 3 + self.n_sys

    @property
    def i_grad(self):
        return 3 + self.n_sys + 1

    @property
    def i_amb(self):
        return 3 + self.n_sys + 1 + self.n_grad

    @property
    def i_bias(self):
        return self.i_amb + self.n_sat

    @property
    def i_clk(self):
        return self.i_amb + 2 * self.n_sat

    @property
    def i_isb(self):
        return self.i_amb + 3 * self.n_sat

    def reset_block(self, start, stop, value, sigma):
        """:meth:`reset_param` for the contiguous parameters ``start:stop`` (slices are cheaper)."""
        self.P[start:stop, :] = 0.0
        self.P[:, start:stop] = 0.0
        self.x[start:stop] = value
        self.P[self.base_states[start:stop], self.base_states[start:stop]] = sigma**2

    def reset_param(self, index, value, sigma):
        """Re-initialise one or several parameters (int or int array): no correlation, ``sigma`` prior."""
        self.P[index, :] = 0.0
        self.P[:, index] = 0.0
        self.x[index] = value
        self.P[index, index] = sigma**2


class _Models:
    """Measurement models of a block of epochs, evaluated at one reference position ``x_ref``.

    The filter loop asks for epoch t at its predicted position x; while |x - x_ref| <= ``_MODEL_TOL_M``
    the block's models are moved to x to first order (range: -unit . dx; the hydrostatic delay's
    height dependence: d(zhd m_h)/dh . up . dx), otherwise the block is recomputed at x. Left out:
    the elevations' change (the local vertical tilts by |dx| / 6371 km, the line of sight by
    |dx| / rho: <= 1e-7 rad at 0.5 m), which moves the hydrostatic delay by <= 67 / rad x 2.3 m x
    1e-7 = 1.6e-5 m at 7 deg; the Sagnac rotation's dependence on the receiver (omega |sat| / c =
    6e-6 m per metre); second-order range terms (|dx|^2 / 2 rho < 1e-8 m). So < 2e-5 m at the
    tolerance (tests/test_ppp.py measures <= 7.5 um). Block lengths adapt: doubled when a block is
    used to its end (static, converged), cut to twice the epochs used when the position moved away
    (kinematic: down to one epoch).
    """

    def __init__(self, inp, cfg, n_t):
        self.inp, self.cfg, self.n_t = inp, cfg, n_t
        self.t0 = self.t1 = 0
        self.length = _BLOCK_START
        self.x_ref = np.full(3, np.nan)
        self.code_factor = np.array([cfg.code_factor.get(s, 1.0) for s in inp.systems])[inp.sys_index]
        self.product_var = np.array([cfg.product_sigma_m.get(s, 0.0) ** 2 for s in inp.systems])[inp.sys_index]

    def at(self, t, x):
        """(code, phase models, unit vectors (S, 3), wet mapping, elevation, azimuth, code and phase
        variances, zenith hydrostatic delay, gradient partials (S, 2) or None) at epoch t for the position x."""
        dx = x - self.x_ref
        inside = self.t0 <= t < self.t1
        if not (inside and float(dx @ dx) <= _MODEL_TOL_M**2):
            used = t - self.t0
            self.length = min(_BLOCK_MAX, 2 * self.length) if not inside else max(1, 2 * used)
            self._evaluate(t, min(self.n_t, t + self.length), x)
            dx = x - self.x_ref
        k = t - self.t0
        shift = self.jac[k] @ dx
        zhd = self.zhd + self.dzhd_dh * float(self.up @ dx)
        grad = None if self.grad_map is None else self.grad_map[k]
        return (self.code[k] + shift, self.phase[k] + shift, self.unit[k], self.m_w[k], self.el[k], self.az[k],
                self.var_code[k], self.var_phase[k], zhd, grad)

    def _evaluate(self, t0, t1, x):
        inp, cfg = self.inp, self.cfg
        self.t0, self.t1, self.x_ref = t0, t1, np.array(x, float)
        lat, lon, h = ecef_to_geodetic(self.x_ref)
        rot = enu_matrix(lat, lon)  # rows e, n, u
        rx_apc = (self.x_ref + inp.tide_m[t0:t1])[:, None, :] + (inp.antenna_enu_m @ rot)[None, :, :]
        rng, unit = _line_of_sight(inp.sat_xyz[t0:t1], rx_apc)
        enu = unit @ rot.T
        el = np.arcsin(np.clip(enu[..., 2], -1.0, 1.0))
        self.az = np.arctan2(enu[..., 0], enu[..., 1]) % (2 * np.pi)
        lat_rad, h_clip = np.radians(lat), float(np.clip(h, -500, 9000))
        h_up = float(np.clip(h + _HEIGHT_STEP_M, -500, 9000))
        doy = inp.day_of_year[t0:t1, None]
        el_floor = np.maximum(el, 0.02)
        zhd, _ = saastamoinen_zenith_m(lat_rad, h_clip)
        zhd_up, _ = saastamoinen_zenith_m(lat_rad, h_up)
        m_h, m_w = niell_mapping(lat_rad, h_clip, doy, el_floor)
        m_h_up, _ = niell_mapping(lat_rad, h_up, doy, el_floor)
        base = rng - inp.sat_clock_m[t0:t1] + zhd * m_h
        slope = (zhd_up * m_h_up - zhd * m_h) / _HEIGHT_STEP_M  # d(zhd m_h)/dh per satellite
        self.up, self.zhd, self.dzhd_dh = rot[2], float(zhd), float((zhd_up - zhd) / _HEIGHT_STEP_M)
        self.jac = -unit + slope[..., None] * rot[2]
        self.code, self.phase = base + inp.code_corr_m[t0:t1], base + inp.phase_corr_m[t0:t1]
        self.unit, self.m_w, self.el = unit, m_w, el
        self.grad_map = _gradient_partials(el_floor, self.az) if cfg.gradients else None
        product_var = self.product_var if inp.orbit_var_m2 is None else self.product_var + inp.orbit_var_m2[t0:t1]
        elev_term = 1.0 + 1.0 / np.sin(el_floor) ** 2
        self.var_phase = inp.if_factor**2 * cfg.phase_sigma_m**2 * elev_term + product_var
        self.var_code = (inp.if_factor * self.code_factor) ** 2 * cfg.code_sigma_m**2 * elev_term + product_var


def _gradient_partials(el_rad, az_rad):
    """(..., 2) slant delay per metre of G_N and G_E: m_g(E) (cos a, sin a), m_g of Chen & Herring
    (1997) (IERS Conventions 2010 eq. 9.12-9.13), a the azimuth from north."""
    m_g = gradient_mapping(el_rad)
    return np.stack((m_g * np.cos(az_rad), m_g * np.sin(az_rad)), axis=-1)


def _line_of_sight(sat_xyz, rx_xyz):
    """Ranges (..., S) and unit vectors receiver->satellite, Earth rotation during flight."""
    rng = np.linalg.norm(sat_xyz - rx_xyz, axis=-1)
    diff = rotate_for_earth_rotation(sat_xyz, rng / C_MPS) - rx_xyz
    rng = np.sqrt(np.einsum("...i,...i->...", diff, diff))
    return rng, diff / rng[..., None]


def _geometry(inp, t, rx_apc):
    """Ranges (S,) and unit vectors (S, 3) receiver->satellite at epoch t (the code fix's iterations)."""
    return _line_of_sight(inp.sat_xyz[t], rx_apc)


def _elev_az(unit, rot):
    """Elevation and azimuth (rad) of unit vectors, ``rot`` the ENU rows at the receiver."""
    enu = unit @ rot.T
    el = np.arcsin(np.clip(enu[:, 2], -1.0, 1.0))
    az = np.arctan2(enu[:, 0], enu[:, 1]) % (2 * np.pi)
    return el, az


def _code_fix(inp, t, ok, x0, n_sys):
    """Code-only least squares (position + clocks) at epoch t: the filter's first position."""
    x = np.array(x0, float)
    clocks = np.zeros(n_sys)
    cols = np.flatnonzero(ok)
    if cols.size < 3 + len(set(inp.sys_index[cols])):
        return None
    for _ in range(8):
        rng, unit = _geometry(inp, t, x)
        model = rng[cols] - inp.sat_clock_m[t, cols] + clocks[inp.sys_index[cols]]
        lat, lon, h = ecef_to_geodetic(x)
        if -500 < h < 9000:
            model = model + 2.3 / np.maximum(np.sin(_elev_az(unit[cols], enu_matrix(lat, lon))[0]), 0.1)
        v = inp.p_if[t, cols] - model
        H = np.zeros((cols.size, 3 + n_sys))
        H[:, :3] = -unit[cols]
        H[np.arange(cols.size), 3 + inp.sys_index[cols]] = 1.0
        seen = np.any(H[:, 3:] != 0, axis=0)
        H = H[:, np.r_[True, True, True, seen]]
        dx = np.linalg.lstsq(H, v, rcond=None)[0]
        x = x + dx[:3]
        clocks[seen] += dx[3:]
        if np.linalg.norm(dx[:3]) < 1e-3:
            break
    return x


class _Run:
    """What one pass needs besides the state: per-run constants and the per-epoch output rows."""

    def __init__(self, inp, cfg, n_t, n_s, n_sys):
        self.inp, self.cfg = inp, cfg
        self.sys_i = inp.sys_index
        self.sys_masks = [inp.sys_index == k for k in range(n_sys)]
        self.models = _Models(inp, cfg, n_t)
        self.out = _allocate(n_t, n_s, n_sys)
        self.n_grad = 2 if cfg.gradients else 0
        self.state = np.full((n_t, 3 + n_sys + 1 + self.n_grad), np.nan)  # position, clocks, ZWD, gradients
        self.isb_group = np.full(n_s, -1) if inp.isb_group is None else np.asarray(inp.isb_group, int)
        self.n_isb = int(self.isb_group.max(initial=-1)) + 1
        self.isb = np.full((n_t, self.n_isb), np.nan)
        self.zwd_var = np.full(n_t, np.nan)
        self.grad_var = np.full((n_t, self.n_grad), np.nan)
        self.start_ns = np.zeros(n_t, np.int64)
        self.epoch_ns = inp.times_ns.astype("datetime64[ns]").astype(np.int64).tolist()  # Python ints: cheap per epoch


def run_filter(inp: FilterInput, cfg: FilterConfig) -> FilterOutput:
    """The forward pass over ``inp``'s epochs (give a reversed input for the backward pass)."""
    n_t, n_s = inp.p_if.shape
    n_sys = len(inp.systems)
    run = _Run(inp, cfg, n_t, n_s, n_sys)
    st = _State(n_sys, n_s, run.n_grad, run.n_isb)
    seconds = (inp.times_ns - inp.times_ns[0]).astype(np.int64) / 1e9
    restart_block = np.floor(seconds / cfg.restart_s).astype(int) if cfg.restart_s else np.zeros(n_t, int)
    sat_ok = np.all(np.isfinite(inp.sat_xyz), axis=-1)
    ok_all = (inp.arc >= 0) & np.isfinite(inp.p_if) & np.isfinite(inp.l_if) & sat_ok
    ambiguity_start = inp.l_if - inp.p_if - (inp.phase_corr_m - inp.code_corr_m)  # phase - code, corrections
    started = np.zeros(n_t, bool)
    for t in range(n_t):
        if t > 0 and restart_block[t] != restart_block[t - 1]:
            st = _State(n_sys, n_s, run.n_grad, run.n_isb)
        _epoch(run, st, t, ok_all[t].copy(), ambiguity_start[t])
        if st.started:
            started[t], run.start_ns[t] = True, st.start_ns
    return _finish(run, started, n_sys)


def _finish(run, started, n_sys):
    out = run.out
    out.xyz[:] = run.state[:, :3]
    out.clock_m[:] = run.state[:, 3:3 + n_sys]
    out.zwd_m[:] = run.state[:, 3 + n_sys]
    out.zwd_sigma_m[:] = np.sqrt(run.zwd_var)
    if run.n_grad:
        out.gradient_m = run.state[:, 3 + n_sys + 1:].copy()
        out.gradient_sigma_m = np.sqrt(run.grad_var)
    since = (run.inp.times_ns.astype("datetime64[ns]").astype(np.int64) - run.start_ns) / 1e9
    out.since_start_s[:] = np.where(started, since, np.nan)
    out.isb_m = run.isb
    return out


def _allocate(n_t, n_s, n_sys):
    nan2 = lambda: np.full((n_t, n_s), np.nan)
    return FilterOutput(
        xyz=np.full((n_t, 3), np.nan), cov=np.full((n_t, 3, 3), np.nan), zwd_m=np.full(n_t, np.nan),
        zhd_m=np.full(n_t, np.nan), zwd_sigma_m=np.full(n_t, np.nan), clock_m=np.full((n_t, n_sys), np.nan),
        n_used=np.zeros(n_t, int), n_used_sys=np.zeros((n_t, n_sys), int), updated=np.zeros(n_t, bool),
        note=np.full(n_t, "", dtype=object), code_res=nan2(), phase_res=nan2(), ambiguity_m=nan2(),
        elevation_rad=nan2(), azimuth_rad=nan2(), since_start_s=np.full(n_t, np.nan), nis=np.full(n_t, np.nan))


def _start(inp, st, t, ok):
    x0 = _code_fix(inp, t, ok, inp.approx_xyz if inp.approx_xyz is not None else np.zeros(3), st.n_sys)
    if x0 is None:
        return False
    st.reset_block(0, 3, x0, _POSITION_SIGMA_M)
    lat, _, h = ecef_to_geodetic(x0)
    _, zwd0 = saastamoinen_zenith_m(np.radians(lat), h)
    st.reset_param(st.i_zwd, float(zwd0), _ZWD_SIGMA_M)
    if st.n_grad:
        st.reset_block(st.i_grad, st.i_grad + st.n_grad, 0.0, _GRADIENT_SIGMA_M)
    st.started, st.start_ns = True, int(inp.times_ns[t].astype("datetime64[ns]").astype(np.int64))
    st.last_ns = st.start_ns
    st.arc[:] = -1
    return True


def _epoch(run, st, t, ok, ambiguity_start):
    inp, cfg, out = run.inp, run.cfg, run.out
    if not st.started and not _start(inp, st, t, ok):
        cols = np.flatnonzero(ok)
        needed = 3 + len(set(inp.sys_index[cols])) if cols.size else 4
        out.note[t] = (f"no initial position: too few satellites ({cols.size} with dual-frequency code and "
                       f"phase, {needed} needed)")
        return
    now_ns = run.epoch_ns[t]
    dt = (now_ns - st.last_ns) / 1e9
    st.last_ns = now_ns
    _predict(st, cfg, dt)
    _predict_clock_states(st, cfg, dt)
    code_model, phase_model, unit, m_w, el, az, var_code, var_phase, zhd, grad = run.models.at(t, st.x[:3])
    out.elevation_rad[t], out.azimuth_rad[t] = el, az
    ok &= el >= cfg.mask_rad
    p_if = inp.p_if[t]
    # code bias + clock error + receiver inter-signal bias per satellite
    sat_terms = st.x[st.i_bias:st.i_clk] + st.x[st.i_clk:st.i_isb] + _isb_per_satellite(st, run.isb_group)
    wet = _wet_slant(st.x, st.i_zwd, m_w, grad)
    code_resid = p_if - code_model - wet - sat_terms
    _reset_clocks(st, code_resid, ok, run.sys_masks)
    code_resid = code_resid - st.x[3 + run.sys_i]
    gate = np.abs(code_resid) > _CODE_GATE_M
    # an arc that starts where its code is off the model takes its ambiguity from the model, not from that
    # code: a receiver's wrong code at one epoch (which also breaks the Melbourne-Wubbena test, so a new arc
    # starts there) must not put it into the phase. A restart after a post-fit rejection keeps the code's
    # start: there the model may be what is wrong (a step in a product's clock moves the satellite's
    # position too), and a model start would let that satellite's phase in. (The model start keeps the code-only
    # terms, code bias and ISB, of ``sat_terms``: metres at most, inside the ambiguity's 30 m prior.)
    _arcs_and_biases(st, inp, cfg, t, ok, np.where(gate, ambiguity_start + code_resid, ambiguity_start))
    _isb_states(st, run.isb_group, ok)
    _clock_states(st, inp, t, ok)
    _retire(st, now_ns, ok)
    n_ok = int(np.count_nonzero(ok))
    per_system = np.bincount(run.sys_i[ok], minlength=st.n_sys)
    # position + one clock per system (+ the zenith delay in kinematic mode; a static position and the
    # slowly varying zenith delay are carried by the epochs before, so one satellite per unknown clock
    # and coordinate is enough to add information)
    n_needed = 3 + int(np.count_nonzero(per_system)) + (1 if cfg.kinematic else 0)
    if n_ok < max(n_needed, 4):
        out.note[t] = f"too few satellites ({n_ok})"
        _store(run, st, t, zhd)
        return
    use_code, use_phase = ok & ~gate, ok.copy()
    obs = (p_if, inp.l_if[t], code_model, phase_model, unit, m_w, var_code, var_phase, grad)
    post, cc, pc = _solve_epoch(st, run, obs, use_code, use_phase, ambiguity_start)
    _store(run, st, t, zhd)
    _store_used(run, st, t, ok, post, cc, pc, per_system)


def _wet_slant(x, i_zwd, m_w, grad):
    """(S,) slant delay of the estimated troposphere: ZWD m_w (+ m_g (G_N cos a + G_E sin a))."""
    wet = x[i_zwd] * m_w
    return wet if grad is None else wet + grad @ x[i_zwd + 1:i_zwd + 1 + grad.shape[-1]]


def _arcs_and_biases(st, inp, cfg, t, ok, ambiguity_start):
    """New arcs get a new ambiguity; code biases start with a satellite, and again at a handover."""
    new = (ok & (inp.arc[t] != st.arc)).nonzero()[0]
    if new.size:
        _reset_ambiguities(st, new, ambiguity_start)
        st.arc[new] = inp.arc[t, new]
    if inp.handover is not None:
        # the centres differ by a constant per satellite in code and phase alike: the code bias restarts
        # with the ambiguity (a kept bias would pull the position by that constant, up to 1.6 m GRG-IAC)
        handed = ok & inp.handover[t] & st.bias_alive
        if handed.any():
            st.bias_alive[handed] = False
            st.live = None
    if cfg.glonass_code_bias:
        fresh = (ok & inp.code_bias_sat & ~st.bias_alive).nonzero()[0]
        if fresh.size:
            st.reset_param(st.i_bias + fresh, 0.0, _CODE_BIAS_SIGMA_M)
            st.bias_alive[fresh] = True
            st.live = None


def _isb_per_satellite(st, group):
    """(S,) the receiver inter-signal code bias (m) each satellite's code carries (0 for none)."""
    if st.n_isb == 0:
        return 0.0
    return np.where(group >= 0, st.x[st.i_isb + np.maximum(group, 0)], 0.0)


def _isb_states(st, group, ok):
    """An inter-signal bias starts (0, 30 m prior) with the first usable satellite of its group and
    stays: a constant of the receiver (and, without OSBs, of the group's mean satellite bias)."""
    if st.n_isb == 0:
        return
    seen = np.zeros(st.n_isb, bool)
    seen[group[ok & (group >= 0)]] = True
    fresh = (seen & ~st.isb_alive).nonzero()[0]
    if fresh.size:
        st.reset_param(st.i_isb + fresh, 0.0, _ISB_SIGMA_M)
        st.isb_alive[fresh] = True
        st.live = None


def _clock_states(st, inp, t, ok):
    """Clock-error states: started (0, steady sigma) when a satellite's cell is served by a coarse
    interpolated clock; removed when a finer centre serves it, or at a handover (another centre's
    clock errors are independent)."""
    if inp.clock_state_sigma_m is None:
        return
    sigma = inp.clock_state_sigma_m[t]
    want = ok & (sigma > 0)
    handed = st.clk_alive & ok & inp.handover[t] if inp.handover is not None else np.zeros_like(ok)
    stop = (st.clk_alive & ok & ~want) | handed
    if stop.any():
        gone = stop.nonzero()[0]
        st.reset_param(st.i_clk + gone, 0.0, 0.0)
        st.clk_alive[gone] = False
        st.live = None
    start = want & ~st.clk_alive
    if start.any():
        fresh = start.nonzero()[0]
        st.reset_param(st.i_clk + fresh, 0.0, sigma[fresh])
        st.clk_alive[fresh] = True
        st.clk_sigma[fresh] = sigma[fresh]
        st.live = None


def _predict_clock_states(st, cfg, dt):
    """First-order Gauss-Markov step of the clock-error states: x <- phi x, P <- phi P phi + q,
    phi = exp(-|dt| / tau), q = sigma^2 (1 - phi^2) (stationary; Brown & Hwang, Introduction to
    Random Signals and Applied Kalman Filtering, 4th ed. 2012, §4.2); |dt|: the backward pass."""
    if not st.clk_alive.any() or dt == 0:
        return
    idx = st.i_clk + st.clk_alive.nonzero()[0]
    phi = np.exp(-abs(dt) / cfg.clock_state_tau_s)
    st.x[idx] *= phi
    st.P[idx, :] *= phi
    st.P[:, idx] *= phi
    st.P[idx, idx] += st.clk_sigma[st.clk_alive] ** 2 * (1.0 - phi**2)


def _reset_clocks(st, code_resid, ok, sys_masks):
    """Clocks: white noise, re-initialised each epoch from the (upper) median code residual per system."""
    values = np.zeros(st.n_sys)
    for k, mask in enumerate(sys_masks):  # a loop over systems (<= 4)
        resid = code_resid[ok & mask]
        if resid.size:
            resid.sort()
            values[k] = resid[resid.size // 2]
    st.reset_block(3, 3 + st.n_sys, values, _CLOCK_SIGMA_M)


def _solve_epoch(st, run, obs, use_code, use_phase, ambiguity_start):
    """Measurement update with post-fit outlier rejection; only the live states are touched.

    Live states: position, clocks, ZWD, ambiguities and code biases in use (the others have zero
    rows and columns in P, so leaving them out changes nothing). Returns the post-fit residuals
    of the last update and the satellites of its code and phase rows.
    """
    if st.live is None:  # the live set changes when arcs start or end: rarely
        live = np.concatenate((st.base_states, st.i_amb + st.alive.nonzero()[0], st.i_bias + st.bias_alive.nonzero()[0],
                               st.i_clk + st.clk_alive.nonzero()[0], st.i_isb + st.isb_alive.nonzero()[0]))
        column = np.full(st.n, -1)
        column[live] = np.arange(live.size)
        st.live = (live, live[:, None], column)
    live, live_rows, column = st.live
    amb_col, bias_col, clk_col = column[st.i_amb:st.i_bias], column[st.i_bias:st.i_clk], column[st.i_clk:st.i_isb]
    group = run.isb_group
    isb_col = np.where(group >= 0, column[st.i_isb + np.maximum(group, 0)] if st.n_isb else -1, -1)
    prior_x, prior_P = st.x[live], st.P[live_rows, live]
    restarted = set()
    for attempt in range(run.cfg.max_rejections + 1):
        x, P, post, cc, pc = _update(st, prior_x, prior_P, obs, (amb_col, bias_col, clk_col, isb_col), run.sys_i,
                                     (use_code, use_phase), _isb_per_satellite(st, group))
        worst = _worst(post, cc, pc, obs[6], obs[7])
        if worst is None or attempt == run.cfg.max_rejections:
            break
        kind, j = worst
        if kind == "phase" and (j in restarted or not use_code[j]):
            # a restart from its code cannot bring it in line (its code is off the model too, or the restart was
            # tried): the model is off for this satellite (a step in its product clock), not the arc
            use_phase[j] = use_code[j] = False
        elif kind == "phase":  # its ambiguity restarts (in the prior), the epoch is solved again
            c = amb_col[j]
            prior_x, prior_P = prior_x.copy(), prior_P.copy()
            prior_P[c, :] = 0.0
            prior_P[:, c] = 0.0
            prior_P[c, c] = _AMBIGUITY_SIGMA_M**2
            prior_x[c] = ambiguity_start[j]
            st.x[live[c]] = ambiguity_start[j]
            restarted.add(j)
            run.out.rejected += 1
        else:
            use_code[j] = False
    st.x[live] = x
    st.P[live_rows, live] = P
    return post, cc, pc


def _predict(st, cfg, dt):
    if cfg.kinematic:
        st.reset_block(0, 3, st.x[:3].copy(), _POSITION_SIGMA_M)
    st.P[st.i_zwd, st.i_zwd] += cfg.ztd_psd_m2_per_s * abs(dt)  # abs: the backward pass
    if cfg.ambiguity_psd_m2_per_s:
        live = st.i_amb + np.flatnonzero(st.alive)
        st.P[live, live] += cfg.ambiguity_psd_m2_per_s * abs(dt)
    if st.n_grad:
        g = np.arange(st.i_grad, st.i_grad + st.n_grad)
        st.P[g, g] += cfg.gradient_psd_m2_per_s * abs(dt)


def _reset_ambiguities(st, columns, value_m):
    st.reset_param(st.i_amb + columns, value_m[columns], _AMBIGUITY_SIGMA_M)
    st.alive[columns] = True
    st.live = None


def _retire(st, now_ns, ok):
    """Ambiguities unseen for longer than their arc can last are removed from the state."""
    st.last_seen_ns[ok] = now_ns
    stale = st.alive & ~ok & (np.abs(now_ns - st.last_seen_ns) > _RETIRE_AFTER_NS)
    if not stale.any():
        return
    gone = stale.nonzero()[0]
    st.reset_param(st.i_amb + gone, 0.0, 0.0)
    st.alive[gone] = False
    st.live = None
    st.arc[gone] = -1
    gone_bias = (stale & st.bias_alive).nonzero()[0]
    st.reset_param(st.i_bias + gone_bias, 0.0, 0.0)
    st.bias_alive[gone_bias] = False
    gone_clk = (stale & st.clk_alive).nonzero()[0]
    st.reset_param(st.i_clk + gone_clk, 0.0, 0.0)
    st.clk_alive[gone_clk] = False


def _update(st, x0, P0, obs, cols, sys_i, use, isb_m=0.0):
    """One Joseph-form measurement update of the live states (x0, P0): (x, P, post-fit residuals of
    the rows, satellites of the code rows, satellites of the phase rows). ``isb_m``: (S,) each code's
    inter-signal bias in the state (its column in ``cols``, -1 none)."""
    p_if, l_if, code_model, phase_model, unit, m_w, var_code, var_phase, grad = obs
    amb_col, bias_col, clk_col, isb_col = cols
    cc, pc = use[0].nonzero()[0], use[1].nonzero()[0]
    i_zwd = 3 + st.n_sys
    sat_col = np.concatenate((cc, pc))
    rows = sat_col.size
    # H: -unit (position), 1 (the system's clock), wet mapping (ZWD), gradient mapping x (cos a, sin a)
    # (G_N, G_E, when estimated), 1 (the phase's ambiguity or the code's bias); dense: at these sizes
    # (~30 x 30) a matrix product beats gathering the non-zeros
    H = np.zeros((rows, x0.size))
    H[:, :3] = -unit[sat_col]
    H[np.arange(rows), 3 + sys_i[sat_col]] = 1.0
    H[:, i_zwd] = m_w[sat_col]
    if grad is not None:
        H[:, i_zwd + 1:i_zwd + 1 + grad.shape[-1]] = grad[sat_col]
    extra = np.concatenate((bias_col[cc], amb_col[pc]))  # code bias or ambiguity column, -1 none
    has_extra = (extra >= 0).nonzero()[0]
    H[has_extra, extra[has_extra]] = 1.0
    clk = clk_col[sat_col]  # the satellite's clock-error state, in code and phase alike
    has_clk = (clk >= 0).nonzero()[0]
    H[has_clk, clk[has_clk]] = 1.0
    code_isb = isb_col[cc]  # the code's receiver inter-signal bias, code rows only
    has_isb = (code_isb >= 0).nonzero()[0]
    H[has_isb, code_isb[has_isb]] = 1.0
    common = x0[3:i_zwd][sys_i] + _wet_slant(x0, i_zwd, m_w, grad)  # clock + wet delay (+ gradients), per satellite
    y_code = p_if - (code_model + common + st.x[st.i_bias:st.i_clk] + st.x[st.i_clk:st.i_isb] + isb_m)
    y_phase = l_if - (phase_model + common + st.x[st.i_amb:st.i_bias] + st.x[st.i_clk:st.i_isb])
    y = np.concatenate((y_code[cc], y_phase[pc]))
    PHt = P0 @ H.T
    S = H @ PHt
    S.flat[::rows + 1] += np.concatenate((var_code[cc], var_phase[pc]))
    # S is symmetric positive definite: one solve gives the gain and S^-1 y (for the NIS)
    solved = np.linalg.solve(S, np.concatenate((PHt.T, y[:, None]), axis=1))
    K = solved[:, :-1].T
    dx = K @ y
    st.nis = float(y @ solved[:, -1]) / rows  # normalised innovation squared per observation
    # Joseph form (I-KH) P (I-KH)' + K R K', expanded: P - K H P - (K H P)' + K (H P H' + R) K'
    KHP = K @ PHt.T
    P = P0 - KHP - KHP.T + K @ (S @ K.T)
    return x0 + dx, 0.5 * (P + P.T), y - H @ dx, cc, pc


def _worst(post, cc, pc, var_code, var_phase):
    """("phase" | "code", satellite) of the largest normalised post-fit residual above the limit, or None."""
    n_c = cc.size
    z_code = np.abs(post[:n_c]) / np.sqrt(var_code[cc])
    z_phase = np.abs(post[n_c:]) / np.sqrt(var_phase[pc])
    zc, zp = z_code.max(initial=0.0), z_phase.max(initial=0.0)
    if max(zc, zp) <= _REJECT_SIGMAS:
        return None
    return ("phase", int(pc[z_phase.argmax()])) if zp >= zc else ("code", int(cc[z_code.argmax()]))


def _store(run, st, t, zhd):
    run.state[t] = st.x[:st.i_amb]
    run.zwd_var[t] = st.P[st.i_zwd, st.i_zwd]
    if st.n_grad:
        g = np.arange(st.i_grad, st.i_amb)
        run.grad_var[t] = st.P[g, g]
    if st.n_isb:
        run.isb[t] = np.where(st.isb_alive, st.x[st.i_isb:], np.nan)
    run.out.cov[t] = st.P[:3, :3]
    run.out.zhd_m[t] = zhd


def _store_used(run, st, t, ok, post, cc, pc, per_system):
    """Rows of an updated epoch. Satellites used: every ``ok`` one (its phase is used: a rejected
    phase restarts its ambiguity, a rejected code leaves the phase; only a phase rejected again after
    its restart leaves the epoch)."""
    out = run.out
    out.updated[t] = True
    out.nis[t] = st.nis
    out.code_res[t, cc] = post[:cc.size]
    out.phase_res[t, pc] = post[cc.size:]
    out.n_used[t] = pc.size
    out.n_used_sys[t] = per_system
    out.ambiguity_m[t, ok] = st.x[st.i_amb:st.i_bias][ok]
