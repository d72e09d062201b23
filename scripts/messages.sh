#!/usr/bin/env bash
# The message catalogue (checker/translations): extract keys from code and templates, update the zh/en .po, compile .mo.
#   scripts/messages.sh            extract + update + compile (after adding or removing a t("key") / translate("key"))
#   scripts/messages.sh extract F  write the extracted template to F only (the catalogue test uses this)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
DIR=checker/translations
BABEL=("$PY" -m babel.messages.frontend -q)
extract() {
    "${BABEL[@]}" extract -F "$DIR/babel.cfg" --no-default-keywords -k t -k translate -k N_ -k Problem -k ProblemError -k ExprError \
        --no-location --sort-output --omit-header -o "$1" .
}
if [ "${1:-}" = extract ]; then extract "$2"; exit 0; fi
extract "$DIR/messages.pot"
for lang in zh en; do
    if [ -f "$DIR/$lang/LC_MESSAGES/messages.po" ]; then
        "${BABEL[@]}" update --no-fuzzy-matching --ignore-obsolete -i "$DIR/messages.pot" -d "$DIR" -l "$lang"
    else
        "${BABEL[@]}" init -i "$DIR/messages.pot" -d "$DIR" -l "$lang"
    fi
done
"${BABEL[@]}" compile --statistics -d "$DIR"
