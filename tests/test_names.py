"""Model names become safe, unique identifiers for every generated language."""

from fpgaforge.names import VERILOG_KEYWORDS, Namer, comment_safe, identifier


def test_hostile_names_become_identifiers() -> None:
    assert identifier('evil"model */ ; int x;') == "evil_model_int_x"
    assert identifier("/net/net.0/Gemm") == "net_net_0_Gemm"
    assert identifier("3d") == "n_3d"
    assert identifier("") == "n"
    assert identifier("class") == "n_class"
    assert identifier("module", keywords=VERILOG_KEYWORDS) == "n_module"
    assert identifier("ff_mvau", reserved_prefixes=("ff_",)) == "n_ff_mvau"
    assert len(identifier("x" * 100, limit=40)) == 40


def test_comments_cannot_be_closed() -> None:
    text = comment_safe("a */ b /* c \\ d\nend")
    assert "*/" not in text and "/*" not in text and "\\" not in text and "\n" not in text


def test_namer_is_stable_and_unique() -> None:
    namer = Namer(reserved=("top",))
    assert namer.name("a b") == namer.name("a b") == "a_b"
    assert namer.name("a-b") == "a_b_2"
    assert namer.name("top") == "top_2"
    folding = Namer(fold_case=True)
    assert folding.claim("X") == "X" and folding.claim("x") == "x_1"
