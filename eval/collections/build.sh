#!/usr/bin/env bash
# Assemble the held-out evaluation collections: public career documents from GitHub that
# no one on the project wrote or tuned on. Their text must never be copied into the project.
# Usage: build.sh MIRRORS_DIR OUT_DIR
#   MIRRORS_DIR holds local git copies of the repositories, as owner+name/repo
#   (e.g. what `fetch github:owner/name` leaves under /work/.mirror).
#   Every collection is read at the commit pinned in SOURCES (never HEAD).
#   OUT_DIR/<name>/ gets the documents (.md .markdown .html .htm .pdf .txt only, byte-exact);
#   eval/collections/<name>.jsonl, when present, is copied to OUT_DIR/<name>.jsonl.
set -euo pipefail
M=$1; OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"

# collect NAME OWNER+REPO COMMIT STRIP_PREFIX INCLUDE_ERE [EXCLUDE_ERE]
# Files whose path matches INCLUDE_ERE (and not EXCLUDE_ERE) at COMMIT are copied flat into
# OUT/NAME: STRIP_PREFIX is removed, "x/index.html" becomes "x.html", "/" becomes "_".
collect() {
  local name=$1 repo=$2 commit=$3 strip=$4 inc=$5 exc=${6:-'^$'}
  local G="$M/$repo/repo" dst="$OUT/$name" f rel n=0
  rm -rf "$dst"; mkdir -p "$dst"
  while IFS= read -r f; do
    [ "$(git -C "$G" cat-file -s "$commit:$f")" -gt 0 ] || continue   # skip empty stubs
    rel=${f#"$strip"}
    case "$rel" in index.html) ;; */index.html) rel="${rel%/index.html}.html" ;; esac
    rel=${rel//\//_}
    if [ -e "$dst/$rel" ]; then echo "name clash: $name/$rel" >&2; exit 1; fi
    git -C "$G" cat-file blob "$commit:$f" > "$dst/$rel"
    n=$((n + 1))
  done < <(git -C "$G" ls-tree -r --name-only "$commit" \
             | grep -E "$inc" | grep -vE "$exc" \
             | grep -Ei '\.(md|markdown|html?|pdf|txt)$' \
             | grep -viE '(^|/)(LICEN[CS]E|COPYING|CHANGELOG|CODE_OF_CONDUCT|CONTRIBUTING)[^/]*$')
  [ "$n" -gt 0 ] || { echo "no files for $name" >&2; exit 1; }
  if [ -f "$HERE/$name.jsonl" ]; then cp "$HERE/$name.jsonl" "$OUT/$name.jsonl"; fi
  echo "$n files in $OUT/$name"
}

# 1. Engineering ladder in Markdown with tables (competencies x levels, grades, tracks).
collect ladders-md marian-kamenistak+mews-career-framework ba6889f2009fa9d648549518d5ffb6e068956794 \
  '' '\.md$'

# 1b. Second ladder: inDrive "crafters" engineer/manager tracks (one page per level).
collect ladders-indrive inDriver+handbook 1d1f2c5d7b25a38a8e5898706c34932c6120e13d \
  'docs/people/' '^docs/people/'

# 1c. Progression framework written as YAML front matter inside .md (levels x topics).
collect ladders-yaml monzo+progression-framework 689e6224a1a0b477ac3a1f326f1beef7494a4efa \
  'frameworks/' '^frameworks/'

# 2. Organisation handbook (CC0): hiring, promotions, leaving, training, supervising, policies.
collect handbook-18f 18F+handbook 1e4955634d0369f17e5bbc0ebbf8f62e2a3dfe4b \
  'pages/' '^pages/(hiring-staying-or-changing-jobs|career-progression-framework|training-and-development|supervisor-resources|18f/how-18f-works|general-information-and-resources/employee-resources-policies)/' \
  '/(intro-to-github|pra-for-user-research|staffing-projects)\.md$'

# 3. Essays / guide site about staff-plus engineering careers (guides, stories, FAQ).
collect staffeng lethain+staff-eng 13d56f6b1aaee767f0ec2eae5855f8776e772170 \
  'content/' '^content/'

# 4. Built HTML site (gh-pages branch, MkDocs output with navigation) about levels and competencies.
collect html-site vtex+becoming-a-driver 9bcbe6d2a4589902ee7c92ed4592970c07b60d2e \
  '' '\.html$' '(^|/)404\.html$'

# 5. Real committed PDFs: landscape level x skill matrices, plus the Markdown job/team/hiring pages.
collect pdf-ladders gravitational+careers 21818baec6e8c3b7bc4b0e9cc4d0a7c309b809b9 \
  '' '^(levels/.*\.(pdf|md)|jobs/.*\.md|challenges/.*\.md|teams\.md|plans/.*\.md)$'

# 6. FAQ-style pages (question headings) about working at a company: pay, equity, levels,
#    reviews, leave, hiring, leaving.
collect faq sourcegraph+handbook 5752928b213a3ddbc7cee4459524f404a5b96fb4 \
  'content/' '^content/(departments/people-talent/people-ops/tools/people-ops-faqs|benefits-pay-perks/pay-expenses/compensation/(equity-faq|leveling-guide)|benefits-pay-perks/benefits-perks/(parental-leave|benefits)|departments/people-talent/people-ops/process/(leaving|teammate-sentiment/pulse-survey|teammate-sentiment/culture-meetings|teammate-sentiment/impact-reviews/index|teammate-sentiment/impact-reviews/delivering-impact-reviews|how-we-engage-talent-outside-the-us/deel)|departments/people-talent/talent/(process/identifying_candidates|process/evaluating_values|tools/guide_to_using_talentwall)|company-info-and-process/working-at-sourcegraph/teammate-development/(index|addressing-underperformance|training/compliance/preventing-harassment-and-discrimination)|company-info-and-process/(queer|gender-diversity|remote/index|communication/convercent)|departments/ceo-team/ceo-shadow-program|departments/engineering/dev/hiring/software-engineer-coding-exercise|departments/technical-success/support/process/ce-faq)\.md$'

# 7. Extra: per-department career frameworks from the same handbook (disjoint from faq).
collect ladders-sourcegraph sourcegraph+handbook 5752928b213a3ddbc7cee4459524f404a5b96fb4 \
  'content/' '^content/(.*/career-(development|growth)(/|\.md)|company-info-and-process/working-at-sourcegraph/career-frameworks\.md|departments/people-talent/people-ops/process/compensation-and-leveling/|departments/engineering/dev/hiring/early-career-engineers\.md)' \
  '(engineering/dev/career-development|support/career-growth|compensation-and-leveling)/index\.md$'

# 9. Handbook written after the scorer's last refit was designed: people operations (reviews,
#    leave, onboarding, relocation, rewards, transfers) and four role-level pages. Its
#    questions were written blind, to check this session's changes on unseen documents.
collect handbook-mattermost mattermost+mattermost-handbook 46d7a8b6541cba3474cb4069725ffd1f3f68d514 \
  'operations/' '^operations/(workplace/people/|research-and-development/product/(analytics/analyst-levels|product-design-team-handbook/product-design-levels|product-management-team-handbook/pm-levels|technical-writing-team-handbook/writer-levels)\.md$)'

# 8. Mixed: four organisations' ladders and handbooks in one corpus, one folder each, with
#    their answerable questions (an unanswerable one may be answered by another
#    organisation's documents): do look-alike levels of different companies stay apart,
#    and does "at <organisation>" steer? (Built from the collections above.)
mixed() {
  local dst="$OUT/mixed-orgs" name
  rm -rf "$dst"; mkdir -p "$dst"; : > "$OUT/mixed-orgs.jsonl.tmp"
  for name in "$@"; do
    cp -r "$OUT/$name" "$dst/$name"
    if [ -f "$HERE/$name.jsonl" ]; then
      grep '"answerable": true' "$HERE/$name.jsonl" >> "$OUT/mixed-orgs.jsonl.tmp" || true
    fi
  done
  if [ -s "$OUT/mixed-orgs.jsonl.tmp" ]; then mv "$OUT/mixed-orgs.jsonl.tmp" "$OUT/mixed-orgs.jsonl"
  else rm -f "$OUT/mixed-orgs.jsonl.tmp"; fi
  echo "$(find "$dst" -type f | wc -l) files in $dst"
}
mixed ladders-md ladders-indrive pdf-ladders ladders-sourcegraph
