"""HyperTWTL: hand-worked cases from the TWTL rules and property-based tests against a brute-force oracle.

The oracle enumerates every run (and every tuple of runs) of a small random transition system and applies the
direct semantics. The model checker must return the same verdict on random formulas. Example counts are fixed
and the search is derandomised, so CI runs the same examples every time.
"""
from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papers_nbdev.hypertwtl.automata import TWTLAutomaton, compile_dfa, full_alphabet
from papers_nbdev.hypertwtl.hyper import (UnsupportedFragmentError, brute_force_hyper, hyper_model_check,
                                          hyper_satisfies, zip_traces)
from papers_nbdev.hypertwtl.semantics import relax, satisfies, windows, word
from papers_nbdev.hypertwtl.syntax import (And, Compare, Concat, Const, FormulaSyntaxError, Hold, Not, Or, Prop,
                                           Quantified, Within, formula_length, parse, to_text)
from papers_nbdev.hypertwtl.systems import (brute_force_check, brute_force_synthesize, model_check, run_word,
                                            synthesize)



def oracle(max_examples: int) -> settings:
    "Derandomised settings, so that CI runs the same examples every time."
    return settings(max_examples=max_examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
CLOSINGS = ("window_end", "first_completion")


# ---- Strategies -------------------------------------------------------------------------------------------------

def _formulas(predicates, max_length: int, max_leaves: int = 5):
    "TWTL formulas over `predicates` with durations and windows small enough to enumerate."
    holds = st.builds(Hold, st.integers(0, 2), predicates, st.booleans())

    def extend(children):
        windows_ = st.tuples(children, st.integers(0, 3), st.integers(0, 3)).map(
            lambda t: Within(t[0], min(t[1], t[2]), max(t[1], t[2])))
        return st.one_of(
            st.builds(Not, children),
            st.builds(And, children, children),
            st.builds(Or, children, children),
            st.builds(Concat, children, children),
            st.builds(Concat, children, children),
            windows_, windows_,
        )

    return st.recursive(holds, extend, max_leaves=max_leaves).filter(lambda f: formula_length(f) <= max_length)

TWTL_PREDICATES = st.one_of(st.sampled_from([Prop("a"), Prop("b")]), st.builds(Const, st.booleans()))
twtl_formulas = _formulas(TWTL_PREDICATES, max_length=6)
LETTERS = full_alphabet("ab")
words = st.lists(st.sampled_from(LETTERS), min_size=0, max_size=9)


@st.composite
def systems(draw, max_states: int = 4):
    "Small labelled transition systems over propositions a and b, every state with a successor."
    n = draw(st.integers(1, max_states))
    graph = nx.DiGraph()
    for s in range(n):
        graph.add_node(s, labels=draw(st.sampled_from(LETTERS)))
    for s in range(n):
        targets = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=min(n, 2), unique=True))
        graph.add_edges_from((s, t) for t in targets)
    graph.graph["initial"] = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True))
    return graph


HYPER_PREDICATES = st.one_of(
    st.builds(Prop, st.sampled_from("ab"), st.sampled_from(["p", "q"])),
    st.builds(Compare, st.builds(Prop, st.sampled_from("ab"), st.just("p")),
              st.builds(Prop, st.sampled_from("ab"), st.just("q")), st.booleans()))


@st.composite
def hyper_formulas(draw):
    "Alternation-free HyperTWTL formulas over trace variables p and q."
    kind = draw(st.sampled_from(["forall", "exists"]))
    body = draw(_formulas(HYPER_PREDICATES, max_length=3, max_leaves=4))
    return Quantified(((kind, "p"), (kind, "q")), body)


# ---- Hand-worked cases ---------------------------------------------------------------------------------------------

def test_hold_length_condition():
    assert satisfies("H^2 a", word("a", "a", "a"))
    assert not satisfies("H^2 a", word("a", "a"))
    assert satisfies("H^0 !a", word("b"))


def test_concat_uses_first_satisfaction():
    # H^0 a is satisfied first (step 0), so H^0 c is due at step 1. The later split after H^2 b does not count.
    assert not satisfies("(H^0 a | H^2 b) * H^0 c", word("ab", "b", "b", "c"))
    assert satisfies("(H^0 a | H^2 b) * H^0 c", word("b", "b", "b", "c"))
    assert not TWTLAutomaton("(H^0 a | H^2 b) * H^0 c").accepts(word("ab", "b", "b", "c"))


def test_window_bounds():
    phi = "[H^1 a]^[2,4]"
    assert satisfies(phi, word("", "", "a", "a", ""))
    assert satisfies(phi, word("", "", "", "a", "a"))
    assert not satisfies(phi, word("", "a", "a", "", ""))
    assert not satisfies(phi, word("", "", "", "", "a", "a"))
    assert not satisfies(phi, word("", "", "a", "a"))


def test_window_then_concat_readings():
    phi = "[H^0 a]^[0,2] * H^0 b"
    assert satisfies(phi, word("a", "", "", "b"))
    assert not satisfies(phi, word("a", "b", "", ""))
    assert satisfies(phi, word("a", "b", "", ""), closing="first_completion")


def test_sync_and_async_differ():
    w = word("", "a", "a")
    assert not hyper_satisfies("exists p . exists q . [H^0 a_p & H^0 !a_q]^[1,1]", [w])
    assert hyper_satisfies("exists p . exists q . [H^0 a_p & H^0 !a_q]^[1,1]", [w], "asynchronous")
    assert hyper_satisfies("forall p . forall q . [H^0 a_p = H^0 a_q]^[1,1]", [w])
    assert not hyper_satisfies("forall p . forall q . [H^0 a_p = H^0 a_q]^[1,1]", [w], "asynchronous")


def test_alternation_rejected_with_fragment():
    system = nx.DiGraph()
    system.add_node(0, labels=frozenset())
    system.add_edge(0, 0)
    system.graph["initial"] = [0]
    with pytest.raises(UnsupportedFragmentError, match=r"fragment forall\*exists\*"):
        hyper_model_check(system, "forall p . exists q . H^0 a_p = H^0 a_q")


@pytest.mark.parametrize("text, message", [
    ("H^1 a &", "unexpected end of input at line 1, column 8"),
    ("[H^1 a]^[0 3]", "line 1, column 12: unexpected '3'. Expected one of: ','"),
    ("H^1 a | | H^0 b", "line 1, column 9"),
    ("exists p . H^0 a_r", "names no quantified trace variable"),
])
def test_syntax_errors_name_position(text, message):
    with pytest.raises(FormulaSyntaxError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse(text)


# ---- Properties against the oracle ------------------------------------------------------------------------------

@oracle(300)
@given(twtl_formulas)
def test_print_parse_roundtrip(formula):
    assert parse(to_text(formula)) == formula


@oracle(250)
@given(twtl_formulas, st.lists(words, min_size=1, max_size=12), st.sampled_from(CLOSINGS))
def test_automaton_matches_semantics(formula, sample, closing):
    automaton = TWTLAutomaton(formula, closing)
    for w in sample:
        assert automaton.accepts(w) == satisfies(formula, w, closing), (to_text(formula), w)


@oracle(60)
@given(twtl_formulas.filter(lambda f: formula_length(f) <= 3), st.sampled_from(CLOSINGS))
def test_minimal_dfa_exhaustive(formula, closing):
    # Every word up to the formula's length plus one letter, over all subsets of {a, b}.
    dfa = compile_dfa(formula, LETTERS, closing)
    for length in range(formula_length(formula) + 3):
        for w in itertools.product(LETTERS, repeat=length):
            assert dfa.accepts(w) == satisfies(formula, w, closing), (to_text(formula), w)


@oracle(300)
@given(systems(), twtl_formulas.filter(lambda f: formula_length(f) <= 5), st.sampled_from(CLOSINGS))
def test_model_check_matches_brute_force(system, formula, closing):
    result = model_check(system, formula, closing=closing)
    assert result.holds == brute_force_check(system, formula, closing=closing)[0], to_text(formula)
    if not result.holds:
        assert not satisfies(formula, run_word(system, result.run), closing)
    found = synthesize(system, formula, closing=closing)
    assert found.holds == brute_force_synthesize(system, formula, closing=closing)[0], to_text(formula)
    if found.holds:
        assert satisfies(formula, run_word(system, found.run), closing)


@oracle(40)
@given(systems(max_states=3), twtl_formulas.filter(lambda f: formula_length(f) <= 3 and 1 <= len(windows(f)) <= 2))
def test_synthesis_minimises_relaxation(system, formula):
    found = synthesize(system, formula, max_tau=2)
    # Brute force: the least max(tau) for which some run of the relaxed formula's length satisfies it.
    best = None
    for taus in itertools.product(range(3), repeat=len(windows(formula))):
        relaxed = relax(formula, taus)
        if brute_force_synthesize(system, relaxed)[0]:
            best = max(taus) if best is None else min(best, max(taus))
    assert found.holds == (best is not None)
    if found.holds:
        assert found.relaxation == best


@oracle(200)
@given(systems(max_states=3), hyper_formulas(), st.sampled_from(["synchronous", "asynchronous"]))
def test_hyper_model_check_matches_brute_force(system, formula, semantics):
    result = hyper_model_check(system, formula, semantics)
    assert result.holds == brute_force_hyper(system, formula, semantics)[0], (to_text(formula), semantics)
    if result.traces is not None:
        # The returned tuple decides the verdict: a witness for exists*, a counterexample for forall*.
        zipped = zip_traces({v: run_word(system, run) for v, run in result.traces.items()})
        assert satisfies(formula.body, zipped) == (result.fragment == "exists*")
