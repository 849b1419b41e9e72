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
- Ambiguities: constant; initialised from phase minus code with a 30 m sigma.
- GLONASS inter-frequency code biases: one constant per GLONASS satellite (FDMA: the receiver's
  code delay differs per frequency channel, by metres on ESBC's receiver; Wanninger 2012, GPS
  Solutions 16:439), prior 5 m; without them biased codes drag a 5-7 satellite kinematic solution.
- Weights: sigma^2 = f_IF^2 (a^2 + b^2 / sin^2 el), a = b = 3 mm phase and 0.3 m code (RTKLIB's
  defaults: err 0.003 m, eratio 100), f_IF = sqrt(a1^2 + a2^2) the IF noise factor, plus a per-system product-error sigma
  (clock interpolation: 15-min BeiDou clocks cost centimetres).
- Update: Joseph form (I - KH) P (I - KH)' + K R K' (Bucy & Joseph 1968), numerically safe with
  30 m and 3 mm sigmas side by side.
- Quality control: pre-fit code innovations over 30 m are dropped; after the update the worst
  normalised post-fit residual above 4 sigma is rejected (phase: its ambiguity restarts; code: that
  code is dropped) and the epoch is re-solved, up to ``max_rejections`` times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from ...constants import C_MPS
from ...frames import ecef_to_geodetic, enu_matrix
from ...models.geometry import rotate_for_earth_rotation
from ...models.mapping import niell_mapping
from ...models.troposphere import saastamoinen_zenith_m

__all__ = ["FilterConfig", "FilterInput", "FilterOutput", "run_filter"]

_POSITION_SIGMA_M = 100.0  # kinematic white-noise / initial position sigma
_CLOCK_SIGMA_M = 30.0
_AMBIGUITY_SIGMA_M = 30.0
_ZWD_SIGMA_M = 0.2  # initial zenith wet delay sigma
_CODE_GATE_M = 30.0
_CODE_BIAS_SIGMA_M = 5.0  # GLONASS inter-frequency code bias prior (receiver IFBs reach metres)
_REJECT_SIGMAS = 4.0
_RETIRE_AFTER_NS = 600 * 10**9  # longer than any gap an arc survives (quality.screen: <= 75 s at 30 s)


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
    glonass_code_bias: bool = True
    max_rejections: int = 4


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
    rejected: int = 0


class _State:
    def __init__(self, n_sys: int, n_sat: int):
        self.n_sys, self.n_sat = n_sys, n_sat
        self.n = 3 + n_sys + 1 + 2 * n_sat  # ..., ambiguities (S), code biases (S)
        self.x = np.zeros(self.n)
        self.P = np.zeros((self.n, self.n))
        self.arc = np.full(n_sat, -1, np.int64)
        self.last_seen_ns = np.zeros(n_sat, np.int64)
        self.alive = np.zeros(n_sat, bool)  # ambiguity state in use (others are zero rows, skipped)
        self.bias_alive = np.zeros(n_sat, bool)  # code-bias state in use (GLONASS IFB)
        self.started = False
        self.start_ns = None
        self.last_ns = None

    @property
    def i_zwd(self):
        return 3 + self.n_sys

    @property
    def i_bias(self):
        return 3 + self.n_sys + 1 + self.n_sat

    def reset_param(self, index, value, sigma):
        self.P[index, :] = 0.0
        self.P[:, index] = 0.0
        self.x[index] = value
        self.P[index, index] = sigma**2


def _geometry(inp, t, rx_apc):
    """Ranges (S,) and unit vectors (S, 3) receiver->satellite, Earth rotation during flight."""
    sat = inp.sat_xyz[t]
    rng = np.linalg.norm(sat - rx_apc, axis=-1)
    rotated = rotate_for_earth_rotation(sat, rng / C_MPS)
    diff = rotated - rx_apc
    rng = np.linalg.norm(diff, axis=-1)
    return rng, diff / rng[:, None]


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


def run_filter(inp: FilterInput, cfg: FilterConfig) -> FilterOutput:
    n_t, n_s = inp.p_if.shape
    n_sys = len(inp.systems)
    out = _allocate(n_t, n_s, n_sys)
    st = _State(n_sys, n_s)
    seconds = (inp.times_ns - inp.times_ns[0]).astype(np.int64) / 1e9
    restart_block = np.floor(seconds / cfg.restart_s).astype(int) if cfg.restart_s else np.zeros(n_t, int)
    code_factor = np.array([cfg.code_factor.get(s, 1.0) for s in inp.systems])[inp.sys_index]
    product_var = np.array([cfg.product_sigma_m.get(s, 0.0) ** 2 for s in inp.systems])[inp.sys_index]
    for t in range(n_t):
        if t > 0 and restart_block[t] != restart_block[t - 1]:
            st = _State(n_sys, n_s)
        _epoch(inp, cfg, st, t, out, code_factor, product_var)
        out.since_start_s[t] = (inp.times_ns[t] - st.start_ns).astype(np.int64) / 1e9 if st.started else np.nan
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
    for i in range(3):
        st.reset_param(i, x0[i], _POSITION_SIGMA_M)
    lat, _, h = ecef_to_geodetic(x0)
    _, zwd0 = saastamoinen_zenith_m(np.radians(lat), h)
    st.reset_param(st.i_zwd, float(zwd0), _ZWD_SIGMA_M)
    st.started, st.start_ns, st.last_ns = True, inp.times_ns[t], inp.times_ns[t]
    st.arc[:] = -1
    return True


def _epoch(inp, cfg, st, t, out, code_factor, product_var):
    ok = (inp.arc[t] >= 0) & np.isfinite(inp.p_if[t]) & np.isfinite(inp.l_if[t]) & np.all(np.isfinite(inp.sat_xyz[t]), axis=1)
    if not st.started and not _start(inp, st, t, ok):
        out.note[t] = "no initial position: too few satellites"
        return
    dt = (inp.times_ns[t] - st.last_ns).astype(np.int64) / 1e9
    st.last_ns = inp.times_ns[t]
    _predict(st, cfg, dt)
    x_m = st.x[:3]
    lat, lon, h = ecef_to_geodetic(x_m)
    rot = enu_matrix(lat, lon)  # rows e, n, u
    rx_apc = x_m + inp.tide_m[t]
    ant = inp.antenna_enu_m @ rot  # (S, 3) ECEF offsets per satellite (IF PCO per system)
    rng, unit = _geometry(inp, t, rx_apc[None, :] + ant)
    el, az = _elev_az(unit, rot)
    out.elevation_rad[t], out.azimuth_rad[t] = el, az
    ok &= el >= cfg.mask_rad
    zhd, _ = saastamoinen_zenith_m(np.radians(lat), np.clip(h, -500, 9000))
    m_h, m_w = niell_mapping(np.radians(lat), float(np.clip(h, -500, 9000)), inp.day_of_year[t], np.maximum(el, 0.02))
    base = rng - inp.sat_clock_m[t] + zhd * m_h
    code_model = base + inp.code_corr_m[t]
    phase_model = base + inp.phase_corr_m[t]
    sys_i = inp.sys_index
    # clocks: white noise, re-initialised from the code
    for k in range(st.n_sys):
        mine = ok & (sys_i == k)
        resid = inp.p_if[t, mine] - code_model[mine] - st.x[st.i_zwd] * m_w[mine] - st.x[st.i_bias:][mine]
        st.reset_param(3 + k, float(np.sort(resid)[resid.size // 2]) if resid.size else 0.0, _CLOCK_SIGMA_M)
    # ambiguities of new arcs
    new = ok & (inp.arc[t] != st.arc)
    _reset_ambiguities(st, np.flatnonzero(new), inp.l_if[t] - inp.p_if[t] - (inp.phase_corr_m[t] - inp.code_corr_m[t]))
    st.arc[new] = inp.arc[t, new]
    if inp.handover is not None:
        # the centres differ by a constant per satellite in code and phase alike: the code bias restarts
        # with the ambiguity (a kept bias would pull the position by that constant, up to 1.6 m GRG-IAC)
        st.bias_alive[ok & inp.handover[t] & st.bias_alive] = False
    if cfg.glonass_code_bias:
        for j in np.flatnonzero(ok & inp.code_bias_sat & ~st.bias_alive):
            st.reset_param(st.i_bias + j, 0.0, _CODE_BIAS_SIGMA_M)
            st.bias_alive[j] = True
    _retire(st, inp, t, ok)
    n_needed = 3 + len(set(sys_i[ok])) + 1
    if ok.sum() < max(n_needed, 4):
        out.note[t] = f"too few satellites ({int(ok.sum())})"
        _store(st, out, t, zhd, ok, sys_i, None, None, None)
        return
    if inp.orbit_var_m2 is not None:
        product_var = product_var + inp.orbit_var_m2[t]
    var_phase = inp.if_factor**2 * cfg.phase_sigma_m**2 * (1.0 + 1.0 / np.sin(np.maximum(el, 0.02)) ** 2) + product_var
    var_code = (inp.if_factor * code_factor) ** 2 * cfg.code_sigma_m**2 * (1.0 + 1.0 / np.sin(np.maximum(el, 0.02)) ** 2) + product_var
    use_code, use_phase = ok.copy(), ok.copy()
    gate = np.abs(inp.p_if[t] - code_model - st.x[3 + sys_i] - st.x[st.i_zwd] * m_w - st.x[st.i_bias:]) > _CODE_GATE_M
    use_code &= ~gate
    prior_x, prior_P = st.x.copy(), st.P.copy()
    for attempt in range(cfg.max_rejections + 1):
        res = _update(st, inp, t, unit, m_w, code_model, phase_model, use_code, use_phase, var_code, var_phase)
        worst = _worst(res, use_code, use_phase, var_code, var_phase)
        if worst is None or attempt == cfg.max_rejections:
            break
        kind, j = worst
        st.x, st.P = prior_x.copy(), prior_P.copy()
        if kind == "phase":
            _reset_ambiguities(st, [j], inp.l_if[t] - inp.p_if[t] - (inp.phase_corr_m[t] - inp.code_corr_m[t]))
            prior_x, prior_P = st.x.copy(), st.P.copy()
            out.rejected += 1
        else:
            use_code[j] = False
    _store(st, out, t, zhd, ok, sys_i, res, use_code, use_phase)


def _predict(st, cfg, dt):
    if cfg.kinematic:
        for i in range(3):
            st.reset_param(i, st.x[i], _POSITION_SIGMA_M)
    st.P[st.i_zwd, st.i_zwd] += cfg.ztd_psd_m2_per_s * abs(dt)  # abs: the backward pass


def _reset_ambiguities(st, columns, value_m):
    for j in columns:
        st.reset_param(3 + st.n_sys + 1 + j, float(value_m[j]), _AMBIGUITY_SIGMA_M)
        st.alive[j] = True


def _retire(st, inp, t, ok):
    """Ambiguities unseen for longer than their arc can last are removed from the state."""
    now = inp.times_ns[t].astype(np.int64)
    st.last_seen_ns[ok] = now
    stale = st.alive & ~ok & (np.abs(now - st.last_seen_ns) > _RETIRE_AFTER_NS)
    for j in np.flatnonzero(stale):
        st.reset_param(3 + st.n_sys + 1 + j, 0.0, 0.0)
        st.alive[j] = False
        st.arc[j] = -1
    for j in np.flatnonzero(stale & st.bias_alive):
        st.reset_param(st.i_bias + j, 0.0, 0.0)
        st.bias_alive[j] = False


def _update(st, inp, t, unit, m_w, code_model, phase_model, use_code, use_phase, var_code, var_phase):
    """One Joseph-form measurement update with the usable codes and phases; returns post-fit residuals."""
    cc, pc = np.flatnonzero(use_code), np.flatnonzero(use_phase)
    n_c = cc.size
    rows = n_c + pc.size
    live = np.concatenate([np.arange(st.i_zwd + 1), st.i_zwd + 1 + np.flatnonzero(st.alive), st.i_bias + np.flatnonzero(st.bias_alive)])
    column = np.full(st.n, -1)
    column[live] = np.arange(live.size)
    H = np.zeros((rows, live.size))
    sat_col = np.concatenate([cc, pc])
    H[:, :3] = -unit[sat_col]
    H[np.arange(rows), 3 + inp.sys_index[sat_col]] = 1.0
    H[:, st.i_zwd] = m_w[sat_col]
    H[n_c + np.arange(pc.size), column[st.i_zwd + 1 + pc]] = 1.0
    biased = st.bias_alive[cc]
    H[np.flatnonzero(biased), column[st.i_bias + cc[biased]]] = 1.0
    amb = st.x[st.i_zwd + 1:st.i_bias]
    code_bias = st.x[st.i_bias:]
    clk = st.x[3:3 + st.n_sys][inp.sys_index]
    predicted = np.concatenate([code_model[cc] + clk[cc] + st.x[st.i_zwd] * m_w[cc] + code_bias[cc],
                                phase_model[pc] + clk[pc] + st.x[st.i_zwd] * m_w[pc] + amb[pc]])
    y = np.concatenate([inp.p_if[t, cc], inp.l_if[t, pc]]) - predicted
    R = np.concatenate([var_code[cc], var_phase[pc]])
    P = st.P[np.ix_(live, live)]
    PHt = P @ H.T
    S = H @ PHt + np.diag(R)
    factor = cho_factor(S, check_finite=False)  # S is symmetric positive definite
    K = cho_solve(factor, PHt.T, check_finite=False).T
    dx = K @ y
    st.nis = float(y @ cho_solve(factor, y, check_finite=False)) / rows  # normalised innovation squared per obs
    # Joseph form (I-KH) P (I-KH)' + K R K', expanded: P - K H P - (K H P)' + K (H P H' + R) K'
    KHP = K @ PHt.T
    P = P - KHP - KHP.T + K @ S @ K.T
    st.P[np.ix_(live, live)] = 0.5 * (P + P.T)
    st.x[live] = st.x[live] + dx
    post = y - H @ dx
    code_res = np.full(inp.p_if.shape[1], np.nan)
    phase_res = np.full(inp.p_if.shape[1], np.nan)
    code_res[cc], phase_res[pc] = post[:n_c], post[n_c:]
    return code_res, phase_res


def _worst(res, use_code, use_phase, var_code, var_phase):
    code_res, phase_res = res
    z_code = np.where(use_code, np.abs(code_res) / np.sqrt(var_code), 0.0)
    z_phase = np.where(use_phase, np.abs(phase_res) / np.sqrt(var_phase), 0.0)
    zc, zp = np.nanmax(z_code, initial=0.0), np.nanmax(z_phase, initial=0.0)
    if max(zc, zp) <= _REJECT_SIGMAS:
        return None
    return ("phase", int(np.nanargmax(z_phase))) if zp >= zc else ("code", int(np.nanargmax(z_code)))


def _store(st, out, t, zhd, ok, sys_i, res, use_code, use_phase):
    out.xyz[t] = st.x[:3]
    out.cov[t] = st.P[:3, :3]
    out.zhd_m[t] = zhd
    out.zwd_m[t] = st.x[st.i_zwd]
    out.zwd_sigma_m[t] = np.sqrt(st.P[st.i_zwd, st.i_zwd])
    out.clock_m[t] = st.x[3:3 + st.n_sys]
    if res is None:
        return
    out.updated[t] = True
    out.nis[t] = st.nis
    used = use_code | use_phase
    out.n_used[t] = int(used.sum())
    out.n_used_sys[t] = np.bincount(sys_i[used], minlength=st.n_sys)
    out.code_res[t], out.phase_res[t] = res
    out.ambiguity_m[t, ok] = st.x[st.i_zwd + 1:st.i_bias][ok]
