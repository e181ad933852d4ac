"""``career-assistant``: a thin command line over :class:`assistant.Assistant`.

Exit codes: 0 answered or abstained; 2 bad input or usage; 3 missing, corrupt or
mismatched index; 1 anything unexpected. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import LOCAL_HOSTS, PROJECT_ROOT, RETRIEVERS, Settings, check_host_names
from .errors import AssistantError, BadInputError, CorpusError, IndexUnavailableError, sentence
from .ingest.files import printable
from .progress import TerminalProgress
from .taxonomy import FAMILIES, OTHER_FAMILY, OTHER_LABEL

if TYPE_CHECKING:  # the engine (FAISS, bm25s, NumPy) loads only for commands that search
    from .engine import Assistant, IndexStatus
    from .indexer import RebuildReport
    from .results import Answer

BOLD, RESET = "\033[1m", "\033[0m"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Text that cannot be encoded (a lone surrogate from a JSON "\ud800") is printed
        # escaped, as JSON would escape it, instead of failing the command.
        sys.stdout.reconfigure(errors="backslashreplace")
    settings: Settings | None = None
    try:
        settings = Settings.from_env(
            corpus_dir=getattr(args, "corpus", None),
            index_dir=getattr(args, "index_dir", None),
            retriever=getattr(args, "retriever", None),
        )
        return int(args.run(args, settings))
    except AssistantError as error:
        print(f"error: {printable(_error_line(error, settings))}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # the reader left (`ask … | head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last line of defence: one line, not a traceback
        print(f"unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


def _error_line(error: AssistantError, settings: Settings | None) -> str:
    """The error in one line; advice to run `career-assistant index…` names the corpus and
    index folders given, so following it rebuilds this index and not the default one."""
    if settings is None:
        return str(error)
    folders = _index_command(settings).removeprefix("career-assistant index")
    fix = re.sub(
        r"`career-assistant index((?: --[a-z-]+)*)`",
        lambda found: f"`career-assistant index{found[1]}{folders}`",
        error.fix,
    )
    return f"{error.problem} — {fix}" if fix else error.problem


def _family(value: str) -> str:
    """``--family`` as the page names it too: "Management", "business process", "Other
    documents" are read as management, business-process, other."""
    labels = {label.casefold(): slug for slug, label in FAMILIES.items()}
    labels[OTHER_LABEL.casefold()] = OTHER_FAMILY
    folded = " ".join(value.casefold().split())
    return labels.get(folded, folded.replace(" / ", "-").replace(" ", "-"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="career-assistant",
        description="Grounded answers about career paths after senior engineer.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument(
            "--corpus", type=Path, help="corpus directory [env CAREER_ASSISTANT_CORPUS_DIR]"
        )
        sub.add_argument(
            "--index-dir", type=Path, help="index directory [env CAREER_ASSISTANT_INDEX_DIR]"
        )
        return sub

    index = command("index", "Build or update the index from the corpus.")
    index.add_argument("--full", action="store_true", help="re-embed everything")
    index.add_argument("--verify", action="store_true", help="check index file checksums only")
    index.add_argument(
        "--if-missing", action="store_true", help="do nothing when an index already exists"
    )
    index.add_argument("--json", action="store_true", help="print the summary as JSON")
    index.set_defaults(run=_index)

    ask = command("ask", "Ask a question; print cited passages.")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--k", type=int, default=None, help="number of passages (default 5)")
    ask.add_argument(
        "--family",
        type=_family,
        choices=[*sorted(FAMILIES), OTHER_FAMILY],
        help=f"only this family of paths ({OTHER_FAMILY}: documents outside the families)",
    )
    ask.add_argument(
        "--organisation",
        metavar="NAME",
        help="only this organisation's documents (as `show` and the cards name it)",
    )
    ask.add_argument("--batch", type=Path, help="a .jsonl file of {question, id?} lines")
    ask.add_argument("--json", action="store_true", help="print JSON results")
    ask.set_defaults(run=_ask)

    evaluate = command(
        "eval",
        "Score retrieval on a labelled .jsonl file; with --corpus DIR, on that corpus "
        "(indexed into <index dir>/eval/ unless --index-dir is given). With --collections "
        "ROOT, on every collection ROOT/<name>/ + ROOT/<name>.jsonl: per collection and "
        "macro, beside untuned fusion, with the scorer refitted leaving each one out.",
    )
    evaluate.add_argument("file", type=Path, nargs="?")
    evaluate.add_argument(
        "--collections", type=Path, metavar="ROOT", help="a folder of collections (see above)"
    )
    evaluate.add_argument(
        "--tuning",
        type=Path,
        metavar="ROOT",
        help="collections the rules were tuned on: refitted on and reported, not in the macro",
    )
    evaluate.add_argument(
        "--rows-out",
        type=Path,
        metavar="DIR",
        help="write each collection's scorer training rows there (scripts/train_scorer.py fit)",
    )
    evaluate.add_argument("--k", type=int, default=10)
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument(
        "--retriever",
        choices=RETRIEVERS,
        help="compare against a single retriever [env CAREER_ASSISTANT_RETRIEVER]",
    )
    evaluate.set_defaults(run=_eval)

    show = command("show", "Print a corpus file as indexed: title, sections, passages, cells.")
    show.add_argument("file", type=Path, help="a file inside the corpus (or relative to it)")
    show.set_defaults(run=_show)

    status = command("status", "Show the index and whether the corpus changed since.")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_status)

    ui = command("ui", "Start the Streamlit page on 127.0.0.1.")
    ui.add_argument("--port", type=_port, default=8501)
    ui.add_argument(
        "--address", default="127.0.0.1", help="bind address (0.0.0.0 exposes it to the network)"
    )
    ui.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name, e.g. a reverse proxy's (repeatable) "
        "[env CAREER_ASSISTANT_ALLOWED_HOSTS, comma-separated]",
    )
    ui.set_defaults(run=_ui)
    return parser


# -- commands ---------------------------------------------------------------------------


def _index(args: argparse.Namespace, settings: Settings) -> int:
    if args.verify or args.if_missing:
        from .engine import Assistant

        assistant = Assistant(settings)
        if args.verify:
            assistant.verify()
            print(f"index in {assistant.backend.describe()} verified")
            return 0
        if _serves(assistant):
            return 0
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() and not args.json else None
    report = _rebuild(settings, progress, args.full)
    if progress:
        progress.done()
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(
            f"files: {len(report.files_added)} added, {len(report.files_changed)} changed, "
            f"{len(report.files_removed)} removed, {len(report.files_unchanged)} unchanged; "
            f"chunks: {report.chunks_total} total, {report.chunks_embedded} embedded, "
            f"{report.chunks_reused} reused; {report.seconds:.1f}s"
        )
    return 0


def _rebuild(settings: Settings, progress: TerminalProgress | None, full: bool) -> RebuildReport:
    """The rebuild alone, as ``Assistant.rebuild`` runs it but without the engine (ranking
    and answering code) or loading the new build afterwards: the command ends here
    (~0.1 s of a one-file ``index``)."""
    from .backends import create_backend
    from .embeddings import load_embedder, model_folder, model_identity
    from .indexer import rebuild

    return rebuild(
        settings,
        create_backend(settings),
        lambda: load_embedder(settings.model_path, settings.embed_backend, settings.onnx_cache_dir),
        model_identity(model_folder(settings.model_path), settings.embed_backend),
        progress,
        full,
        _warn,
        progress.files if progress else None,
    )


def _serves(assistant: Assistant) -> bool:
    """Whether the index opens and fits the model; if not, say why (it will be rebuilt)."""
    if not assistant.has_index():
        return False
    try:
        assistant.store()
    except IndexUnavailableError as error:
        _warn(f"{error.problem}; rebuilding it")
        return False
    return True


def _ready(settings: Settings) -> Assistant:
    """An assistant with an index: build one if there is none, warn if it is stale.

    With no index yet, several first questions at once share one build: the first builds,
    the others wait for its lock (``first_build_wait``) and then find the index done.
    """
    from .engine import Assistant

    assistant = Assistant(settings)
    if not assistant.has_index():
        where = assistant.backend.describe()
        _warn(f"no index in {where} yet; building it (or waiting for the build under way)")
        wait = max(settings.lock_timeout, settings.first_build_wait)
        assistant = Assistant(replace(settings, lock_timeout=wait))
        assistant.rebuild(warn=_warn)
    try:
        status = assistant.status()
    except CorpusError as error:
        _warn(f"{error.problem}; answering from the existing index")
        return assistant
    if status.stale:
        _warn(_changed_since(status, settings))
    return assistant


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from .engine import clean_question

    if (args.question is None) == (args.batch is None):
        given = "both a question and --batch" if args.question is not None else "no question"
        raise BadInputError(f"{given} given", "give a question, or --batch FILE with one per line")
    if args.question is not None:  # refuse bad input before building or checking anything
        clean_question(args.question, settings.max_question_chars)
    assistant = _ready(settings)
    args.organisation = _organisation(args.organisation, assistant.organisations())
    if args.batch is not None:
        return _ask_batch(assistant, args)
    answer = assistant.ask(args.question, args.k, args.family, args.organisation)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer, sys.stdout.isatty())
    return 0


def _organisation(name: str | None, known: list[str]) -> str | None:
    """``--organisation`` as the index spells it (case aside), or the one organisation
    whose name starts with it word for word ("Globex" of "Globex Employee Handbook"), or
    a one-line refusal."""
    if name is None:
        return None
    wanted = name.strip().casefold()
    for value in known:
        if value.casefold() == wanted:
            return value
    starting = [value for value in known if value.casefold().startswith(wanted + " ")]
    if len(starting) == 1:
        return starting[0]
    names = ", ".join(starting or known) or "none"
    raise BadInputError(f"no document of organisation {name!r}", f"use one of: {names}")


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from .show import indexed, show_text

    document, chunks = indexed(settings, args.file, _warn)
    print("\n".join(map(printable, show_text(document, chunks).split("\n"))))
    return 0


def _ask_batch(assistant: Assistant, args: argparse.Namespace) -> int:
    """One result line per question; a question that fails gets an error line and the
    batch goes on (exit 1 at the end if one failed unexpectedly). Only an unusable index,
    which would fail every line alike, stops it."""
    failed = False
    for item_id, question in _batch(args.batch):
        try:
            answer = assistant.ask(question, args.k, args.family, args.organisation)
            result = answer.to_json(item_id)
        except BadInputError as error:
            result = {"id": item_id, "question": question, "error": str(error)}
        except IndexUnavailableError:
            raise
        except Exception as error:  # one question must not cost the others their answers
            failed = True
            problem = f"unexpected error: {type(error).__name__}: {error}"
            result = {"id": item_id, "question": question, "error": problem}
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        else:
            shown = result.get("error") or result["answer"] or sentence(result["reason"])
            print(f"[{item_id}] {shown}", flush=True)
    return 1 if failed else 0


def _batch(path: Path) -> list[tuple[str | None, str]]:
    from .evaluation import read_question_lines

    return [
        (None if row.get("id") is None else str(row["id"]), row["question"])
        for _, row in read_question_lines(path)
    ]


def _print_answer(answer: Answer, color: bool) -> None:
    if answer.abstained:
        print(sentence(answer.reason))  # as on the page
        return
    print(answer.answer)
    print()
    for passage in answer.passages:
        owner = passage.organisation
        where = f"{owner} · {passage.source}" if owner else passage.source
        print(printable(f"[{passage.rank}] {passage.section or passage.title}  ({where})"))
        print(_marked(passage.text, [(h.start, h.end) for h in passage.highlights], color))
        print()
    if answer.compare:
        sides = (answer.compare.left, answer.compare.right)
        print(f"Compared: {sides[0].title} vs {sides[1].title}, each side's passages:")
        for side in sides:
            cited = "; ".join(f"{p.section or p.title} ({p.source})" for p in side.passages)
            print(printable(f"- {side.title}: {cited or 'none found'}"))


def _marked(text: str, spans: list[tuple[int, int]], color: bool) -> str:
    """Mark highlighted sentences: bold on a terminal, »…« when piped."""
    opening, closing = (BOLD, RESET) if color else ("»", "«")
    out, cursor = [], 0
    for start, end in sorted(spans):
        out += [text[cursor:start], opening, text[start:end], closing]
        cursor = end
    out.append(text[cursor:])
    return "\n".join("    " + line if line.strip() else "" for line in "".join(out).split("\n"))


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evaluation import evaluate, read_questions
    from .heldout import engine_grader

    if args.collections is not None:
        return _eval_collections(args, settings)
    if args.file is None:
        raise BadInputError("eval needs a question file", "pass FILE or --collections ROOT")
    questions = read_questions(args.file)
    if args.corpus is not None:  # a corpus of its own: index it where the default stays intact
        if args.index_dir is None:
            settings = replace(settings, index_dir=eval_index_dir(settings))
        from .engine import Assistant

        assistant = Assistant(settings)
        built = assistant.rebuild(warn=_warn)
        print(
            f"evaluating on {settings.corpus_dir} ({built.chunks_total} passages, index in "
            f"{settings.index_dir})",
            file=sys.stderr,
        )
    else:
        assistant = _ready(settings)
    report = evaluate(questions, engine_grader(assistant, args.k))
    data = report.to_json()
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print("| metric | value |\n|---|---|")
    for key, value in data.items():
        if key not in ("misses", "per_kind"):
            print(f"| {key} | {value} |")
    columns = ["hit@3", "lenient_hit@3", "mrr@10", "answer@1"]
    columns += ["answerable", "out_of_scope", "abstention_recall"]
    print("\n| kind | " + " | ".join(columns) + " |\n|---|" + "---|" * len(columns))
    for kind, figures in data["per_kind"].items():
        print(f"| {kind} | " + " | ".join(_kind_cell(figures, c) for c in columns) + " |")
    if report.misses:
        print("\nmisses:")
        for miss in report.misses:
            print(f"- {miss}")
    return 0


def _kind_cell(figures: dict[str, Any], column: str) -> str:
    """A figure of one kind of question, or "–" where that kind has nothing to measure
    (hit@3 of out-of-scope questions, abstention recall of answerable ones)."""
    counted = "out_of_scope" if column == "abstention_recall" else "answerable"
    if column not in ("answerable", "out_of_scope") and not figures[counted]:
        return "–"
    return str(figures[column])


def _eval_collections(args: argparse.Namespace, settings: Settings) -> int:
    from . import heldout

    collections = heldout.discover(args.collections)
    if args.tuning is not None:
        collections += heldout.discover(args.tuning, tuning=True)
    index_root = args.index_dir or settings.index_dir / "eval" / "collections"
    results = heldout.run(
        collections,
        settings,
        index_root,
        k=args.k,
        warn=_warn,
        log=lambda line: print(line, file=sys.stderr),
        rows_out=args.rows_out,
    )
    if args.json:
        print(json.dumps(heldout.to_json(results), indent=2))
    else:
        print(heldout.table(results))
    return 0


def _index_command(settings: Settings) -> str:
    """The rebuild command for these settings, with the folders that differ from the
    defaults: following the advice must rebuild this index from this corpus."""
    defaults = Settings.from_env()
    flags = [
        f"{flag} {shlex.quote(str(value))}"
        for flag, value, default in (
            ("--corpus", settings.corpus_dir, defaults.corpus_dir),
            ("--index-dir", settings.index_dir, defaults.index_dir),
        )
        if value != default
    ]
    return " ".join(["career-assistant index", *flags])


def eval_index_dir(settings: Settings) -> Path:
    """A named index for an evaluation corpus: ``<index dir>/eval/<corpus hash>``.

    Named, not temporary, so a second eval over the same corpus only re-embeds changes.
    """
    corpus = str(settings.corpus_dir.resolve())
    return settings.index_dir / "eval" / hashlib.sha256(corpus.encode()).hexdigest()[:12]


def _changed_since(status: IndexStatus, settings: Settings) -> str:
    return (
        "the corpus changed since the index was built "
        f"({len(status.added)} added, {len(status.changed)} changed, "
        f"{len(status.removed)} removed); run `{_index_command(settings)}`"
    )


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from .engine import Assistant

    status = Assistant(settings).status()
    data: dict[str, Any] = dict(status.__dict__) | {"stale": status.stale}
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(
            f"{status.files} files, {status.chunks} chunks, model {status.model}, "
            f"{status.index_kind} index, built {status.built_at}"
        )
        if status.stale:
            print(_changed_since(status, settings))
        for problem in status.skipped:
            print(printable(problem))
    return 0


def _ui(args: argparse.Namespace, settings: Settings) -> int:
    _check_port_free(args.address, args.port)
    env = dict(os.environ)
    env["CAREER_ASSISTANT_CORPUS_DIR"] = str(settings.corpus_dir)
    env["CAREER_ASSISTANT_INDEX_DIR"] = str(settings.index_dir)
    command = [
        sys.executable,
        *page_server_args(args.address, args.port, settings, args.allow_host),
    ]
    print(f"career-assistant page on http://{args.address}:{args.port}", file=sys.stderr)
    sys.stdout.flush()
    os.execve(sys.executable, command, env)  # become the server: signals reach it directly


def _port(text: str) -> int:
    """A TCP port number, 1-65535, or a usage error saying so."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return int(text)


def _check_port_free(address: str, port: int) -> None:
    """Refuse a port something already listens on, or an address this machine cannot
    bind, before saying where the page is (the server would only fail after that line).
    Bound as the server binds, address reuse on, so a port a stopped page left waiting
    is not reported taken."""
    import socket

    host = address.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise BadInputError(
            f"cannot serve the page on {address}:{port} ({error.strerror or error})",
            "stop what uses that port, or pass another --port or --address",
        ) from None


def page_server_args(
    address: str, port: int, settings: Settings, extra_hosts: Sequence[str] = ()
) -> list[str]:
    """The interpreter arguments that start the page's server, locked down:

    - ``-P``: the current directory is not put on ``sys.path``, so a ``streamlit/`` (or any
      module) lying there is never imported in its place;
    - only requests for local host names (plus the bind address and the names asked for)
      are served, which stops DNS rebinding: another site's page cannot reach this one;
    - uploads larger than the corpus's file limit are refused by the server itself;
    - XSRF and CORS protection on, no usage statistics, no tracebacks on the page.
    """
    hosts = [*LOCAL_HOSTS]
    if address not in ("0.0.0.0", "::", ""):
        hosts.append(address)
    hosts += [*settings.host_names, *check_host_names(list(extra_hosts), "--allow-host")]
    upload_mib = max(1, math.ceil(settings.max_file_bytes / 2**20))
    return [
        "-P", "-m", "streamlit", "run", str(PROJECT_ROOT / "ui" / "app.py"),
        "--server.address", address, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.maxUploadSize", str(upload_mib),
        "--server.enableXsrfProtection", "true", "--server.enableCORS", "true",
        "--client.showErrorDetails", "type",
        *[arg for host in dict.fromkeys(hosts) for arg in ("--server.allowedHosts", host)],
    ]  # fmt: skip


def _warn(message: str) -> None:
    print(f"warning: {printable(message)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
