"""Build the two shipped project form templates as XLSForm workbooks.

    .venv/bin/python resources/forms/build_templates.py

writes `project_proposal.xlsx` (the annual call for projects) and
`project_self_assessment.xlsx` (self-assessment against the STC's criteria) beside this
script. Both are ordinary XLSForms in English, French and Spanish (and Arabic, Chinese,
Russian, see below): an administrator
edits them in a spreadsheet for next year's call and publishes them with
`fieldapp-server publish-form FILE.xlsx`; `fieldapp form check FILE.xlsx` prints their
outline. Choice lists of regions, countries, practice families, land uses and
organisation types are taken from the reference data (resources/reference) so that
answers use the same codes as the rest of the application. Arabic, Chinese and Russian
are added beside every English text (`with_more_languages`), so the forms read in all
six UN languages.

The carbon block of the proposal uses the 4 per 1000 arithmetic of
`fieldapp.core.carbon`: SOC stock (t C/ha) = SOC % x bulk density x depth (cm) x
(1 - coarse fraction); target = 0.004 x stock per year; t CO2 = t C x 44/12.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from fieldapp.forms.xlsform_writer import write_xlsform  # noqa: E402

LANGS = (("en", "English (en)"), ("fr", "French (fr)"), ("es", "Spanish (es)"))


def tr(column: str, en: str, fr: str, es: str) -> dict[str, str]:
    """The three translations of one column, as XLSForm writes them."""
    return {f"{column}::{name}": text for (code, name), text in zip(LANGS, (en, fr, es))}


def title(en: str, fr: str, es: str) -> dict[str, str]:
    """The form's title: pyxform (ODK, KoboToolbox) reads only a plain form_title, so the
    other languages go in translated_title::LANGUAGE, which it leaves alone."""
    return {"form_title": en, **{k.replace("form_title", "translated_title"): v
                                 for k, v in tr("form_title", en, fr, es).items() if not k.endswith("(en)")}}


def L(en: str, fr: str, es: str) -> dict[str, str]:
    return tr("label", en, fr, es)


def H(en: str, fr: str, es: str) -> dict[str, str]:
    return tr("hint", en, fr, es)


def CM(en: str, fr: str, es: str) -> dict[str, str]:
    return tr("constraint_message", en, fr, es)


def RM(en: str, fr: str, es: str) -> dict[str, str]:
    return tr("required_message", en, fr, es)


def row(type_: str, name: str = "", *texts: dict[str, str], **columns: object) -> dict[str, object]:
    out: dict[str, object] = {"type": type_, "name": name}
    for t in texts:
        out.update(t)
    out.update({k: v for k, v in columns.items() if v is not None})
    return out


def end(kind: str = "group") -> dict[str, object]:
    return {"type": f"end {kind}"}


POSITIVE = CM("Must be zero or more", "Doit être positif ou nul", "Debe ser cero o más")


# ----------------------------------------------------------------------------- choice lists
def reference_choices() -> list[dict[str, object]]:
    lists = json.loads((ROOT / "resources" / "reference" / "lists.json").read_text(encoding="utf-8"))
    regions = json.loads((ROOT / "resources" / "reference" / "country_regions.json").read_text(encoding="utf-8"))
    out: list[dict[str, object]] = []
    for list_name in ("region", "org_type", "practice_family", "land_use"):
        for code, en, fr, es, _parent in lists[list_name]:
            out.append({"list_name": list_name, "name": code, **L(en, fr, es)})
    out.append({"list_name": "practice_family", "name": "other", **L("Other", "Autre", "Otra")})
    # Frozen names, not the installed Babel's: a data library's update must not change
    # what this script builds (Babel 2.19 renamed several territories).
    names = json.loads((ROOT / "resources" / "reference" / "country_names.json").read_text(encoding="utf-8"))["names"]
    countries = []
    for region, codes in regions.items():
        for code in codes.split():
            countries.append((names[code]["en"], code, region))
    for en_name, code, region in sorted(countries):
        out.append({"list_name": "country", "name": code,
                    **L(en_name, names[code]["fr"], names[code]["es"]), "region": region})
    return out


def yes_no() -> list[dict[str, object]]:
    return [{"list_name": "yes_no", "name": "yes", **L("Yes", "Oui", "Sí")},
            {"list_name": "yes_no", "name": "no", **L("No", "Non", "No")}]


# ----------------------------------------------------------------------------- proposal
def proposal() -> tuple[list, list, dict]:
    s: list[dict[str, object]] = [
        row("start", "started"), row("end", "ended"),
        row("note", "intro", L(
            "Project proposal for the annual call for projects of the 4 per 1000 Initiative. Fields marked * are "
            "required. Your answers are saved as you type, even offline.",
            "Proposition de projet pour l'appel annuel à projets de l'Initiative 4 pour 1000. Les champs marqués * "
            "sont obligatoires. Vos réponses sont enregistrées au fil de la saisie, même hors ligne.",
            "Propuesta de proyecto para la convocatoria anual de la Iniciativa 4 por 1000. Los campos marcados con * "
            "son obligatorios. Sus respuestas se guardan mientras escribe, incluso sin conexión.")),

        row("begin group", "holder", L("Holder organisation", "Organisation porteuse", "Organización titular"),
            appearance="field-list"),
        row("text", "holder_name", L("Name of the organisation", "Nom de l'organisation", "Nombre de la organización"),
            required="yes", **RM("Give the name of the holder organisation",
                                 "Indiquez le nom de l'organisation porteuse",
                                 "Indique el nombre de la organización titular")),
        row("select_one org_type", "holder_type", L("Type of organisation", "Type d'organisation",
                                                   "Tipo de organización"), required="yes"),
        row("text", "contact_name", L("Contact person", "Personne de contact", "Persona de contacto"), required="yes"),
        row("text", "contact_email", L("Contact email", "Courriel de contact", "Correo electrónico de contacto"),
            required="yes", constraint=r"regex(., '^[^@\s]+@[^@\s]+\.[^@\s]+$')",
            **CM("Write an email address such as name@example.org", "Écrivez une adresse comme nom@exemple.org",
                 "Escriba una dirección como nombre@ejemplo.org")),
        row("text", "contact_phone", L("Contact phone", "Téléphone de contact", "Teléfono de contacto"),
            appearance="numbers"),
        end(),

        row("begin group", "project", L("The project", "Le projet", "El proyecto")),
        row("text", "project_title", L("Project title", "Titre du projet", "Título del proyecto"), required="yes",
            constraint="string-length(.) <= 200", **CM("At most 200 characters", "200 caractères au plus",
                                                        "200 caracteres como máximo")),
        row("integer", "call_year", L("Call for projects (year)", "Appel à projets (année)",
                                      "Convocatoria (año)"), required="yes", default=2026,
            constraint=". >= 2015 and . <= 2100", **CM("A year between 2015 and 2100", "Une année entre 2015 et 2100",
                                                       "Un año entre 2015 y 2100")),
        row("select_one region", "region", L("Region", "Région", "Región"), required="yes"),
        row("select_one country", "country", L("Country", "Pays", "País"), required="yes",
            choice_filter="region=${region}", appearance="minimal",
            **H("Countries of the region chosen above", "Pays de la région choisie ci-dessus",
                "Países de la región elegida arriba")),
        row("text", "site_name", L("Place or landscape", "Lieu ou paysage", "Lugar o paisaje")),
        row("text", "summary", L("Summary of the project", "Résumé du projet", "Resumen del proyecto"),
            H("Objectives, activities and expected results, in at most 3000 characters",
              "Objectifs, activités et résultats attendus, en 3000 caractères au plus",
              "Objetivos, actividades y resultados esperados, en 3000 caracteres como máximo"),
            required="yes", appearance="multiline", constraint="string-length(.) <= 3000",
            **CM("At most 3000 characters", "3000 caractères au plus", "3000 caracteres como máximo")),
        row("date", "start_date", L("Planned start", "Début prévu", "Inicio previsto"), required="yes"),
        row("integer", "duration_months", L("Duration (months)", "Durée (mois)", "Duración (meses)"), required="yes",
            constraint=". >= 6 and . <= 120", **CM("Between 6 and 120 months", "Entre 6 et 120 mois",
                                                   "Entre 6 y 120 meses")),
        row("calculate", "duration_years", calculation="round(${duration_months} div 12, 2)"),
        end(),

        row("begin group", "site", L("Site and practices", "Site et pratiques", "Sitio y prácticas")),
        row("geopoint", "site_location", L("Location of the main site", "Localisation du site principal",
                                           "Ubicación del sitio principal"),
            H("Take it with the device's GPS or type latitude and longitude",
              "Prenez-la avec le GPS de l'appareil ou tapez la latitude et la longitude",
              "Tómela con el GPS del dispositivo o escriba la latitud y la longitud")),
        row("select_one land_use", "land_use", L("Main land use", "Utilisation principale des terres",
                                                 "Uso principal de la tierra"), required="yes"),
        row("decimal", "area_ha", L("Area concerned (ha)", "Surface concernée (ha)", "Superficie afectada (ha)"),
            required="yes", constraint=". > 0", **CM("Must be above 0", "Doit être supérieure à 0",
                                                     "Debe ser mayor que 0")),
        row("integer", "farmers", L("Farmers and foresters involved", "Agriculteurs et forestiers impliqués",
                                    "Agricultores y silvicultores involucrados"), constraint=". >= 0", **POSITIVE),
        row("decimal", "women_share", L("Share of women among them (%)", "Part des femmes parmi eux (%)",
                                        "Proporción de mujeres entre ellos (%)"),
            relevant="${farmers} > 0", constraint=". >= 0 and . <= 100",
            **CM("Between 0 and 100", "Entre 0 et 100", "Entre 0 y 100")),
        row("select_multiple practice_family", "practices", L(
            "Families of practices planned", "Familles de pratiques prévues", "Familias de prácticas previstas"),
            required="yes", **RM("Choose at least one family of practices", "Choisissez au moins une famille de "
                                 "pratiques", "Elija al menos una familia de prácticas")),
        row("text", "practices_other", L("Other practices: which ones?", "Autres pratiques : lesquelles ?",
                                         "Otras prácticas: ¿cuáles?"),
            relevant="selected(${practices}, 'other')", required="yes"),
        end(),

        row("begin group", "carbon", L("Expected soil organic carbon change",
                                       "Évolution attendue du carbone organique du sol",
                                       "Cambio esperado del carbono orgánico del suelo")),
        row("note", "carbon_intro", L(
            "The 4 per 1000 target of a site is 0.4 % of its initial soil carbon stock per year.",
            "L'objectif 4 pour 1000 d'un site est de 0,4 % de son stock initial de carbone du sol par an.",
            "El objetivo 4 por 1000 de un sitio es el 0,4 % de su reserva inicial de carbono del suelo por año.")),
        row("decimal", "soc_percent", L("Initial soil organic carbon (%)", "Carbone organique initial du sol (%)",
                                        "Carbono orgánico inicial del suelo (%)"), required="yes",
            constraint=". > 0 and . <= 100", **CM("A percentage above 0 and at most 100",
                                                  "Un pourcentage supérieur à 0 et d'au plus 100",
                                                  "Un porcentaje mayor que 0 y como máximo 100")),
        row("decimal", "bulk_density", L("Bulk density (g/cm3)", "Densité apparente (g/cm3)",
                                         "Densidad aparente (g/cm3)"), required="yes", default=1.3,
            constraint=". > 0 and . <= 3", **CM("Above 0 and at most 3 g/cm3", "Supérieure à 0 et d'au plus 3 g/cm3",
                                                "Mayor que 0 y como máximo 3 g/cm3")),
        row("decimal", "depth_cm", L("Depth of the soil layer (cm)", "Profondeur de la couche de sol (cm)",
                                     "Profundidad de la capa de suelo (cm)"), required="yes", default=30,
            constraint=". > 0 and . <= 1000", **CM("Above 0 and at most 1000 cm",
                                                   "Supérieure à 0 et d'au plus 1000 cm",
                                                   "Mayor que 0 y como máximo 1000 cm")),
        row("decimal", "coarse_fraction", L("Coarse fragments (fraction of volume, 0 to 1)",
                                            "Éléments grossiers (fraction du volume, 0 à 1)",
                                            "Fragmentos gruesos (fracción del volumen, 0 a 1)"), default=0,
            constraint=". >= 0 and . < 1", **CM("At least 0 and below 1", "Au moins 0 et moins de 1",
                                                "Al menos 0 y menos de 1")),
        row("calculate", "soc_stock",
            calculation="round(${soc_percent} * ${bulk_density} * ${depth_cm} * (1 - coalesce(${coarse_fraction}, 0))"
                        ", 3)"),
        row("calculate", "target_rate", calculation="round(0.004 * ${soc_stock}, 4)"),
        row("decimal", "expected_rate", L("Expected SOC increase (t C/ha/year)",
                                          "Augmentation attendue du COS (t C/ha/an)",
                                          "Aumento esperado del COS (t C/ha/año)"), required="yes",
            constraint=". >= 0 and . <= 20", **CM("Between 0 and 20 t C/ha/year", "Entre 0 et 20 t C/ha/an",
                                                  "Entre 0 y 20 t C/ha/año")),
        row("calculate", "meets_target", calculation="if(${expected_rate} >= ${target_rate}, 'yes', 'no')"),
        row("calculate", "total_c", calculation="round(${expected_rate} * ${area_ha} * ${duration_years}, 2)"),
        row("calculate", "total_co2", calculation="round(${total_c} * 44 div 12, 2)"),
        row("note", "carbon_summary", L(
            "Initial stock: ${soc_stock} t C/ha. 4 per 1000 target: ${target_rate} t C/ha/year. Expected over the "
            "project: ${total_c} t C, that is ${total_co2} t CO2.",
            "Stock initial : ${soc_stock} t C/ha. Objectif 4 pour 1000 : ${target_rate} t C/ha/an. Attendu sur la "
            "durée du projet : ${total_c} t C, soit ${total_co2} t CO2.",
            "Reserva inicial: ${soc_stock} t C/ha. Objetivo 4 por 1000: ${target_rate} t C/ha/año. Esperado durante "
            "el proyecto: ${total_c} t C, es decir ${total_co2} t CO2."), relevant="${soc_stock} != ''"),
        row("note", "below_target", L(
            "The expected increase is below the 4 per 1000 target for this site: explain why in the summary.",
            "L'augmentation attendue est inférieure à l'objectif 4 pour 1000 de ce site : expliquez pourquoi dans "
            "le résumé.",
            "El aumento esperado es inferior al objetivo 4 por 1000 de este sitio: explique por qué en el resumen."),
            relevant="${meets_target} = 'no'"),
        end(),

        row("begin group", "budget", L("Budget", "Budget", "Presupuesto")),
        row("select_one currency", "currency", L("Currency", "Devise", "Moneda"), required="yes", default="EUR"),
        row("decimal", "budget_staff", L("Staff", "Personnel", "Personal"), required="yes", constraint=". >= 0",
            **POSITIVE),
        row("decimal", "budget_equipment", L("Equipment and inputs", "Équipement et intrants", "Equipos e insumos"),
            required="yes", constraint=". >= 0", **POSITIVE),
        row("decimal", "budget_training", L("Training and knowledge sharing", "Formation et partage des connaissances",
                                            "Capacitación e intercambio de conocimientos"),
            required="yes", constraint=". >= 0", **POSITIVE),
        row("decimal", "budget_monitoring", L("Soil carbon monitoring (MRV)", "Suivi du carbone du sol (MRV)",
                                              "Seguimiento del carbono del suelo (MRV)"),
            required="yes", constraint=". >= 0", **POSITIVE),
        row("decimal", "budget_other", L("Other costs", "Autres coûts", "Otros costos"), default=0,
            constraint=". >= 0", **POSITIVE),
        row("calculate", "budget_total", calculation=(
            "${budget_staff} + ${budget_equipment} + ${budget_training} + ${budget_monitoring} + "
            "coalesce(${budget_other}, 0)")),
        row("decimal", "cofunding", L("Co-funding already secured", "Cofinancement déjà acquis",
                                      "Cofinanciación ya obtenida"), default=0,
            constraint=". >= 0 and . <= ${budget_total}",
            **CM("Between 0 and the total budget (${budget_total})", "Entre 0 et le budget total (${budget_total})",
                 "Entre 0 y el presupuesto total (${budget_total})")),
        row("calculate", "requested", calculation="${budget_total} - coalesce(${cofunding}, 0)"),
        row("note", "budget_summary", L(
            "Total budget: ${budget_total} ${currency}. Requested: ${requested} ${currency}.",
            "Budget total : ${budget_total} ${currency}. Montant demandé : ${requested} ${currency}.",
            "Presupuesto total: ${budget_total} ${currency}. Solicitado: ${requested} ${currency}."),
            relevant="${budget_total} != ''"),
        end(),

        row("begin repeat", "partners", L("Partners", "Partenaires", "Socios"),
            H("Add one entry per partner organisation", "Ajoutez une entrée par organisation partenaire",
              "Añada una entrada por organización socia")),
        row("text", "partner_name", L("Partner organisation", "Organisation partenaire", "Organización socia"),
            required="yes"),
        row("select_one org_type", "partner_type", L("Type of organisation", "Type d'organisation",
                                                    "Tipo de organización"), required="yes"),
        row("select_one country", "partner_country", L("Country", "Pays", "País"), appearance="minimal"),
        row("text", "partner_role", L("Role in the project", "Rôle dans le projet", "Papel en el proyecto"),
            appearance="multiline"),
        row("decimal", "partner_contribution", L("Contribution to the budget", "Contribution au budget",
                                                 "Contribución al presupuesto"), constraint=". >= 0", **POSITIVE),
        end("repeat"),
        row("calculate", "partner_count", calculation="count(${partners})"),
        row("calculate", "partner_contributions", calculation="sum(${partner_contribution})"),

        row("begin group", "attachments", L("Attachments and declaration", "Pièces jointes et déclaration",
                                            "Anexos y declaración")),
        row("file", "workplan", L("Work plan and timeline", "Plan de travail et calendrier",
                                  "Plan de trabajo y calendario"), required="yes"),
        row("file", "budget_sheet", L("Detailed budget", "Budget détaillé", "Presupuesto detallado")),
        row("image", "site_photo", L("Photo of the site", "Photo du site", "Foto del sitio")),
        row("select_one yes_no", "declaration", L(
            "I declare that the information given is accurate and that the holder organisation agrees to submit "
            "this proposal.",
            "Je déclare que les informations données sont exactes et que l'organisation porteuse accepte de "
            "soumettre cette proposition.",
            "Declaro que la información facilitada es exacta y que la organización titular acepta presentar esta "
            "propuesta."), required="yes", constraint=". = 'yes'",
            **CM("The proposal can only be submitted with this declaration",
                 "La proposition ne peut être soumise qu'avec cette déclaration",
                 "La propuesta solo puede presentarse con esta declaración")),
        end(),
    ]
    currencies = [("EUR", "Euro", "Euro", "Euro"), ("USD", "US dollar", "Dollar américain", "Dólar estadounidense"),
                  ("XOF", "CFA franc (BCEAO)", "Franc CFA (BCEAO)", "Franco CFA (BCEAO)"),
                  ("XAF", "CFA franc (BEAC)", "Franc CFA (BEAC)", "Franco CFA (BEAC)"),
                  ("INR", "Indian rupee", "Roupie indienne", "Rupia india"),
                  ("BRL", "Brazilian real", "Réal brésilien", "Real brasileño"),
                  ("KES", "Kenyan shilling", "Shilling kényan", "Chelín keniano"),
                  ("MAD", "Moroccan dirham", "Dirham marocain", "Dírham marroquí")]
    choices = yes_no() + reference_choices() + [
        {"list_name": "currency", "name": code, **L(en, fr, es)} for code, en, fr, es in currencies]
    settings = {"form_id": "project_proposal", **title("Project proposal", "Proposition de projet",
                                                       "Propuesta de proyecto"),
                "default_language": "English (en)"}
    return s, choices, settings


# ----------------------------------------------------------------------------- self-assessment
# (name, English, French, Spanish, explanation en/fr/es) per criterion, in the STC's order.
SAFEGUARDS = [
    ("human_rights", "Respect of human rights", "Respect des droits humains", "Respeto de los derechos humanos",
     ("Free, prior and informed consent of the people concerned; no forced labour; access to grievance mechanisms.",
      "Consentement libre, préalable et éclairé des personnes concernées ; pas de travail forcé ; accès à des "
      "mécanismes de recours.",
      "Consentimiento libre, previo e informado de las personas afectadas; sin trabajo forzoso; acceso a "
      "mecanismos de reclamación.")),
    ("land_tenure", "Land tenure rights", "Droits fonciers", "Derechos de tenencia de la tierra",
     ("Customary and formal rights to land are known and respected; nobody loses access to land.",
      "Les droits fonciers coutumiers et formels sont connus et respectés ; personne ne perd l'accès à la terre.",
      "Los derechos consuetudinarios y formales sobre la tierra se conocen y respetan; nadie pierde el acceso a "
      "la tierra.")),
    ("poverty", "Poverty alleviation", "Réduction de la pauvreté", "Reducción de la pobreza",
     ("The project improves the income and living conditions of the poorest farmers.",
      "Le projet améliore le revenu et les conditions de vie des agriculteurs les plus pauvres.",
      "El proyecto mejora los ingresos y las condiciones de vida de los agricultores más pobres.")),
]
DIRECT = [
    ("soil_conservation", "Soil conservation and restoration", "Conservation et restauration des sols",
     "Conservación y restauración de suelos",
     ("Erosion is reduced, degraded soils are restored, soil health improves.",
      "L'érosion diminue, les sols dégradés sont restaurés, la santé des sols s'améliore.",
      "La erosión disminuye, los suelos degradados se restauran, la salud del suelo mejora.")),
    ("soc_stock", "Soil organic carbon stock increase or maintenance",
     "Augmentation ou maintien du stock de carbone organique du sol",
     "Aumento o mantenimiento de la reserva de carbono orgánico del suelo",
     ("The practices raise the SOC stock, or keep it where it is high (peatlands, grasslands, forests).",
      "Les pratiques augmentent le stock de COS, ou le maintiennent là où il est élevé (tourbières, prairies, "
      "forêts).",
      "Las prácticas aumentan la reserva de COS, o la mantienen donde es alta (turberas, pastizales, bosques).")),
]
OTHERS = [
    ("food_security", "Food security", "Sécurité alimentaire", "Seguridad alimentaria",
     ("Yields and access to food are kept or improved.", "Les rendements et l'accès à la nourriture sont "
      "maintenus ou améliorés.", "Los rendimientos y el acceso a los alimentos se mantienen o mejoran.")),
    ("adaptation", "Adaptation to climate change", "Adaptation au changement climatique",
     "Adaptación al cambio climático",
     ("Farms and landscapes cope better with droughts, floods and heat.",
      "Les exploitations et les paysages résistent mieux aux sécheresses, inondations et chaleurs.",
      "Las fincas y los paisajes resisten mejor las sequías, inundaciones y olas de calor.")),
    ("biodiversity", "Biodiversity", "Biodiversité", "Biodiversidad",
     ("Above- and below-ground biodiversity is protected or increased.",
      "La biodiversité aérienne et souterraine est protégée ou accrue.",
      "La biodiversidad aérea y del suelo se protege o aumenta.")),
    ("gender_inclusion", "Gender equality and social inclusion", "Égalité des genres et inclusion sociale",
     "Igualdad de género e inclusión social",
     ("Women, youth and minorities take part in decisions and share the benefits.",
      "Les femmes, les jeunes et les minorités participent aux décisions et partagent les bénéfices.",
      "Las mujeres, los jóvenes y las minorías participan en las decisiones y comparten los beneficios.")),
    ("participation", "Participation of farmers and local communities",
     "Participation des agriculteurs et des communautés locales",
     "Participación de los agricultores y de las comunidades locales",
     ("Farmers' own knowledge shapes the project; communities are involved from the design.",
      "Les savoirs des agriculteurs orientent le projet ; les communautés sont associées dès la conception.",
      "Los conocimientos de los agricultores orientan el proyecto; las comunidades participan desde el diseño.")),
]
LOW = 1  # a score at or below this needs a justification


def criterion(name: str, en: str, fr: str, es: str, explain: tuple[str, str, str], *, allow_na: bool) -> list:
    score = f"{name}_score"
    rows = [
        row("select_one " + ("score_na" if allow_na else "score"), score, L(en, fr, es), H(*explain),
            required="yes", appearance="likert"),
        row("text", f"{name}_justification",
            L("Justification: what does the project do for this criterion?",
              "Justification : que fait le projet pour ce critère ?",
              "Justificación: ¿qué hace el proyecto para este criterio?"),
            H("Required when the score is 0 or 1", "Obligatoire quand la note est 0 ou 1",
              "Obligatoria cuando la nota es 0 o 1"),
            relevant=f"${{{score}}} != ''", required=f"${{{score}}} != 'na' and ${{{score}}} <= {LOW}",
            appearance="multiline",
            **RM("Explain this low score", "Expliquez cette note basse", "Explique esta nota baja")),
    ]
    return rows


def numeric(name: str) -> str:
    return f"if(${{{name}_score}} = 'na' or ${{{name}_score}} = '', 0, number(${{{name}_score}}))"


def counted(name: str) -> str:
    return f"if(${{{name}_score}} = 'na' or ${{{name}_score}} = '', 0, 1)"


def assessment() -> tuple[list, list, dict]:
    s: list[dict[str, object]] = [
        row("begin group", "about", L("The project", "Le projet", "El proyecto"), appearance="field-list"),
        row("note", "about_intro", L(
            "Assess your project against the criteria of the Scientific and Technical Committee before review: "
            "safeguards first, then the direct criteria, then the others. Score each from 0 (not addressed) to 4 "
            "(fully addressed).",
            "Évaluez votre projet selon les critères du Comité scientifique et technique avant l'examen : d'abord "
            "les garde-fous, puis les critères directs, puis les autres. Notez chacun de 0 (non traité) à 4 "
            "(pleinement traité).",
            "Evalúe su proyecto según los criterios del Comité Científico y Técnico antes de la revisión: primero "
            "las salvaguardias, luego los criterios directos y después los demás. Califique cada uno de 0 (no "
            "abordado) a 4 (plenamente abordado).")),
        row("text", "project_title", L("Project title", "Titre du projet", "Título del proyecto"), required="yes"),
        row("text", "holder_name", L("Holder organisation", "Organisation porteuse", "Organización titular"),
            required="yes"),
        row("date", "assessment_date", L("Date of the assessment", "Date de l'évaluation", "Fecha de la evaluación"),
            required="yes", default="today()", constraint=". <= today()",
            **CM("The date cannot be in the future", "La date ne peut pas être dans le futur",
                 "La fecha no puede ser futura")),
        row("text", "assessor", L("Assessed by", "Évalué par", "Evaluado por")),
        end(),

        row("begin group", "safeguards", L("Safeguards", "Garde-fous", "Salvaguardias"),
            H("A safeguard scored 0 makes the project ineligible.",
              "Un garde-fou noté 0 rend le projet inéligible.",
              "Una salvaguardia calificada con 0 hace que el proyecto no sea elegible.")),
    ]
    for c in SAFEGUARDS:
        s += criterion(*c, allow_na=False)
    s += [
        row("select_one yes_no", "tenure_documented", L(
            "Are the land rights of the farmers involved documented?",
            "Les droits fonciers des agriculteurs concernés sont-ils documentés ?",
            "¿Están documentados los derechos sobre la tierra de los agricultores involucrados?"),
            relevant="${land_tenure_score} != '' and ${land_tenure_score} <= 2", required="yes"),
        row("text", "tenure_plan", L("How will tenure be secured during the project?",
                                     "Comment le foncier sera-t-il sécurisé pendant le projet ?",
                                     "¿Cómo se asegurará la tenencia durante el proyecto?"),
            relevant="${tenure_documented} = 'no'", required="yes", appearance="multiline"),
        row("calculate", "safeguards_min", calculation=(
            "min(" + ", ".join(f"${{{c[0]}_score}}" for c in SAFEGUARDS) + ")")),
        row("note", "safeguard_failed", L(
            "A safeguard is scored 0: the project is not eligible as it stands.",
            "Un garde-fou est noté 0 : le projet n'est pas éligible en l'état.",
            "Una salvaguardia tiene 0: el proyecto no es elegible tal como está."),
            relevant="${safeguards_min} = 0"),
        end(),

        row("begin group", "direct", L("Direct criteria", "Critères directs", "Criterios directos"),
            relevant="${safeguards_min} != 0"),
    ]
    for c in DIRECT:
        s += criterion(*c, allow_na=False)
    s += [
        row("select_one yes_no", "soc_measured", L(
            "Will the soil carbon stock be measured at the start and the end (MRV)?",
            "Le stock de carbone du sol sera-t-il mesuré au début et à la fin (MRV) ?",
            "¿Se medirá la reserva de carbono del suelo al inicio y al final (MRV)?"), required="yes"),
        row("text", "soc_method", L("Sampling and measurement method", "Méthode d'échantillonnage et de mesure",
                                    "Método de muestreo y medición"),
            relevant="${soc_measured} = 'yes'", required="yes", appearance="multiline"),
        end(),

        row("begin group", "others", L("Other criteria", "Autres critères", "Otros criterios"),
            H("Answer 'not applicable' only when the criterion has no meaning for the project.",
              "Répondez « sans objet » seulement quand le critère n'a pas de sens pour le projet.",
              "Responda «no aplica» solo cuando el criterio no tenga sentido para el proyecto."),
            relevant="${safeguards_min} != 0"),
    ]
    for c in OTHERS:
        s += criterion(*c, allow_na=True)
    s += [
        row("integer", "women_share", L("Share of women among the people involved (%)",
                                        "Part des femmes parmi les personnes impliquées (%)",
                                        "Proporción de mujeres entre las personas involucradas (%)"),
            relevant="${gender_inclusion_score} != 'na'", constraint=". >= 0 and . <= 100",
            **CM("Between 0 and 100", "Entre 0 et 100", "Entre 0 y 100")),
        end(),

        row("calculate", "safeguards_score", calculation=(
            "(" + " + ".join(numeric(c[0]) for c in SAFEGUARDS) + f") div {len(SAFEGUARDS)}")),
        row("calculate", "direct_score", calculation=(
            "(" + " + ".join(numeric(c[0]) for c in DIRECT) + f") div {len(DIRECT)}")),
        row("calculate", "others_count", calculation=" + ".join(counted(c[0]) for c in OTHERS)),
        row("calculate", "others_score", calculation=(
            "if(${others_count} = 0, 0, (" + " + ".join(numeric(c[0]) for c in OTHERS) + ") div ${others_count})")),
        row("calculate", "scored", calculation=" + ".join(
            f"if(${{{c[0]}_score}} = '', 0, 1)" for c in SAFEGUARDS + DIRECT)),
        row("calculate", "overall_score", calculation=(
            f"if(${{safeguards_min}} = 0, 0, if(${{scored}} < {len(SAFEGUARDS) + len(DIRECT)}, '', "
            "round((${safeguards_score} * 0.3 + ${direct_score} * 0.4 + ${others_score} * 0.3) * 25, 0)))")),
        row("calculate", "overall_level", calculation=(
            "if(${overall_score} = '', '', if(${overall_score} >= 75, 'strong', "
            "if(${overall_score} >= 50, 'moderate', 'weak')))")),

        row("begin group", "result", L("Result", "Résultat", "Resultado")),
        row("note", "overall_note", L(
            "Overall score: ${overall_score} / 100 (safeguards 30 %, direct criteria 40 %, other criteria 30 %).",
            "Note globale : ${overall_score} / 100 (garde-fous 30 %, critères directs 40 %, autres critères 30 %).",
            "Puntuación global: ${overall_score} / 100 (salvaguardias 30 %, criterios directos 40 %, otros "
            "criterios 30 %)."), relevant="${overall_score} != ''"),
        row("note", "weak_note", L(
            "The score is low: strengthen the weakest criteria before submitting.",
            "La note est basse : renforcez les critères les plus faibles avant de soumettre.",
            "La puntuación es baja: refuerce los criterios más débiles antes de presentar."),
            relevant="${overall_level} = 'weak'"),
        row("text", "improvements", L("What will you improve before review?",
                                      "Qu'allez-vous améliorer avant l'examen ?",
                                      "¿Qué mejorará antes de la revisión?"),
            relevant="${overall_level} != 'strong'", appearance="multiline"),
        end(),
    ]
    scores = [("0", "0 - Not addressed", "0 - Non traité", "0 - No abordado"),
              ("1", "1 - Weak", "1 - Faible", "1 - Débil"),
              ("2", "2 - Partly addressed", "2 - Partiellement traité", "2 - Parcialmente abordado"),
              ("3", "3 - Well addressed", "3 - Bien traité", "3 - Bien abordado"),
              ("4", "4 - Fully addressed", "4 - Pleinement traité", "4 - Plenamente abordado")]
    choices = yes_no()
    for list_name in ("score", "score_na"):
        choices += [{"list_name": list_name, "name": code, **L(en, fr, es)} for code, en, fr, es in scores]
    choices.append({"list_name": "score_na", "name": "na", **L("Not applicable", "Sans objet", "No aplica")})
    settings = {"form_id": "project_self_assessment",
                **title("Project self-assessment against the STC criteria",
                        "Auto-évaluation du projet selon les critères du CST",
                        "Autoevaluación del proyecto según los criterios del CCT"),
                "default_language": "English (en)"}
    return s, choices, settings


# ----------------------------------------------------------------------------- the other UN languages
# Arabic, Chinese and Russian sit beside every English text: free text from
# labels_ar_zh_ru.json (keyed by the English wording), reference choices (regions,
# countries, organisation types, practice families, land uses) from the app's own
# reference data, so a form's choice reads as the same list does elsewhere in the app.
MORE_LANGS = (("ar", "Arabic (ar)"), ("zh", "Chinese (zh)"), ("ru", "Russian (ru)"))
ENGLISH = "::English (en)"


def with_more_languages(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The rows with an Arabic, Chinese and Russian column beside each English one.
    Raises KeyError naming an English text that has no translation yet."""
    from fieldapp.core.reference import shipped_rows

    texts = json.loads((HERE / "labels_ar_zh_ru.json").read_text(encoding="utf-8"))
    reference = {(r["list_name"], r["code"]): r["labels"] for r in shipped_rows()}
    out = []
    for r in rows:
        r = dict(r)
        for key in [k for k in r if k.endswith(ENGLISH)]:
            column = key[:-len(ENGLISH)]
            listed = reference.get((str(r.get("list_name")), str(r.get("name")))) if column == "label" else None
            words = listed or texts.get(str(r[key]))
            if words is None or any(not words.get(code) for code, _n in MORE_LANGS):
                raise KeyError(f"no Arabic, Chinese or Russian for {r[key]!r}: add it to labels_ar_zh_ru.json")
            for code, name in MORE_LANGS:
                r[f"{column}::{name}"] = words[code]
        if "form_title" in r:  # settings: plain English form_title, the others as translated_title
            words = texts.get(str(r["form_title"]))
            if words is None:
                raise KeyError(f"no Arabic, Chinese or Russian for {r['form_title']!r}: add it to labels_ar_zh_ru.json")
            for code, name in MORE_LANGS:
                r[f"translated_title::{name}"] = words[code]
        out.append(r)
    return out


def build(directory: Path = HERE) -> list[Path]:
    made = []
    for filename, make in (("project_proposal.xlsx", proposal), ("project_self_assessment.xlsx", assessment)):
        survey, choices, settings = make()
        survey, choices = with_more_languages(survey), with_more_languages(choices)
        [settings] = with_more_languages([settings])
        made.append(write_xlsform(directory / filename, survey, choices, settings))
    return made


if __name__ == "__main__":
    for path in build():
        print(path.relative_to(ROOT))
