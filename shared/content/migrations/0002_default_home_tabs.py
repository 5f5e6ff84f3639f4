"""The home page's first tabs, as upstream PanelApp's home page has them; curators rewrite them on the site.

Rendered here once, so the home page shows stored HTML from the first request.
"""

from django.db import migrations

INTRODUCTION = """\
PanelApp is a crowd-sourced knowledge base of **virtual gene panels**. Each panel lists
the genes, short tandem repeats (STRs) and genomic regions relevant to a disorder, with
the evidence for each and a rating of how confident the experts are that it belongs.

- **Read**: every public panel, gene and version is open to all, on these pages and
  through the [public API](/api/docs/). No account is needed.
- **Review**: registered reviewers rate entities, add evidence, phenotypes and
  publications, and comment. [Register](/accounts/registration/) and a curator approves
  your account.
- **Curate**: curators weigh the reviews, set each entity's rating, and promote a panel
  to a new major version when it is ready for use.

Start with the [list of panels](/panels/) or search for a gene above.
"""

NEWS = """\
## Welcome to PanelApp

This tab holds the site's news: new panels, major versions, changes to the guidelines,
planned maintenance. Curators edit it from the home page ("Edit this tab").

Everything that changes on a panel is also listed, newest first, on the
[activity page](/panels/activity/).
"""

GUIDELINES = """\
## How entities are rated

Every gene, STR and region on a panel carries a rating, shown as a colour **and** a word:

| Rating | Confidence | Meaning |
|:--|:-:|:--|
| Green | 3 | Diagnostic grade: enough evidence to report variants in clinical testing. |
| Amber | 2 | Moderate evidence: plausible, not yet enough for diagnostic use. |
| Red | 1 | Low evidence: not suitable for diagnostic use. |
| No rating | 0 | Not yet reviewed. |

## Evidence for a green rating

As a rule of thumb, a gene is green for a disorder when there are:

1. at least three unrelated families or cases with plausible disease-causing variants, **or**
2. fewer cases backed by strong functional or model evidence;

and the mode of inheritance and the phenotype are consistent with the panel's disorder.
Curators decide in the end, weighing the reviews and the publications cited.

## Versions

A curator's change makes a minor version (1.3 to 1.4); promoting a panel makes a
major one (1.4 to 2.0). A signed-off version is the curators' statement that it is fit
for use, and every earlier version stays readable.
"""

REVIEWERS = """\
Reviewers are the crowd in crowd-sourcing: clinicians, scientists and diagnostic
laboratories who know the genetics of a disorder.

- **Rate** each entity green, amber or red, and say why.
- **Give the mode of inheritance and pathogenicity**, the phenotypes and the
  publications (PubMed ids) that support your view.
- **Comment** to discuss an entity with other reviewers and the curators.
- **Add** a gene, STR or region that is missing; it is flagged for a curator.

To become a reviewer, [register](/accounts/registration/) with your institution and
role; a curator approves your account, usually within a few working days.
"""

FAQS = """\
## Do I need an account to use PanelApp?

No. Panels, genes, versions and downloads are open to everyone; an account is needed
to review and comment.

## How do I download a panel?

Open the panel and use its download links: a TSV file in PanelApp's format, or a BED
file of its genes and regions. Older versions can be downloaded too.

## How do I see what changed on a panel?

Each panel's page lists its versions; compare any two, or read the panel's activity.

## Can I use PanelApp from a program?

Yes: see the WebServices tab.

## Who decides a gene's rating?

The curators, having read the reviews. A reviewer's rating is their own opinion; the
panel shows the curators' decision.
"""

GLOSSARY = """\
- **Panel**: a list of genes, STRs and regions relevant to a disorder or group of disorders.
- **Super panel**: a panel made of other panels; it lists its children's entities.
- **Entity**: a gene, a short tandem repeat (STR) or a genomic region on a panel.
- **Rating (confidence level)**: green (3), amber (2) or red (1), how strong the evidence
  is that the entity belongs on the panel (see the Guidelines tab).
- **Mode of inheritance**: how a variant causes the disorder. *Monoallelic*: one changed
  copy suffices (dominant); *biallelic*: both copies must be changed (recessive);
  *X-linked*: on the X chromosome, hemizygous in males; *mitochondrial*: in the
  mitochondrial genome; *imprinted*: only the copy from one parent is expressed.
- **Mode of pathogenicity**: how variants act, e.g. whether loss-of-function variants
  cause the phenotype.
- **Phenotype**: the clinical features a variant causes, often as OMIM or HPO terms.
- **Penetrance**: whether everyone with the variant shows the disorder (complete) or
  not (incomplete).
- **Promoted, public, retired, internal**: a panel's status. *Promoted* panels are in
  diagnostic use, *public* ones open to review, *retired* ones kept for reading,
  *internal* ones seen only by curators.
- **Sign-off**: the curators' dated statement that a panel version is fit for use.
"""

WEBSERVICES = """\
Everything on these pages is also in the **public REST API**, read-only and open to
anonymous clients, with the paths and fields of Genomics England PanelApp's API v1: an
existing client works by changing only its base address.

- [API documentation](/api/docs/): every endpoint, with a page to try it.
- [OpenAPI schema](/api/schema/): for generating a client.
- Start at [/api/v1/panels/](/api/v1/panels/); one panel is `/api/v1/panels/<id>/`, an
  older version `/api/v1/panels/<id>/?version=1.15`.
- Genes across panels: `/api/v1/genes/<symbol>/`; signed-off panels:
  `/api/v1/panels/signedoff/`.

PanelApp's first web services (`/WebServices/list_panels/`,
`/WebServices/get_panel/<name>/`, `/WebServices/search_genes/<symbols>/`) still answer
for older scripts.

Requests are rate-limited per client; a signed-in user's API token (on their profile
page) raises the limit and shows curators internal panels.
"""

TABS = [
    ("Introduction", "About PanelApp", INTRODUCTION),
    ("News", "News", NEWS),
    ("Guidelines", "Guidelines", GUIDELINES),
    ("Reviewers", "Reviewers", REVIEWERS),
    ("FAQs", "FAQs", FAQS),
    ("Glossary", "Glossary", GLOSSARY),
    ("WebServices", "WebServices", WEBSERVICES),
]


def add_default_tabs(apps, schema_editor) -> None:
    from content import markdown

    HomeTab = apps.get_model("content", "HomeTab")
    for position, (slug, title, body) in enumerate(TABS):
        rendered = markdown.render(body)
        HomeTab.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "body": body,
                "body_html": rendered.html,
                "rendered_with": markdown.RENDERER_VERSION,
                "position": position * 10,
            },
        )


def remove_default_tabs(apps, schema_editor) -> None:
    apps.get_model("content", "HomeTab").objects.filter(slug__in=[slug for slug, _, _ in TABS]).delete()


class Migration(migrations.Migration):
    dependencies = [("content", "0001_home_tabs_and_files")]

    operations = [migrations.RunPython(add_default_tabs, remove_default_tabs)]
