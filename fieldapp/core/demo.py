"""Realistic demo and benchmark data in French, English and Spanish, deterministic by seed.

Why this exists: people trying the app, the UI's lists and the search benchmark all need
records that look like the Initiative's own (practices from the groundnut basin or
Huehuetenango, cooperatives and institutes in the right countries, regional meetings with
their decisions and actions), in volumes up to 100 000 practices, and the same rows every
time for the same seed so that a demo server seeded with them agrees with every client.

Every vocabulary entry is a triple (English, French, Spanish) and every template exists
in the three languages with the same meaning, so a record can carry a faithful translation
of its title and summary. Values are produced already clean (ISO dates, code lists, region
derived from the country) so `generate()` can use the store's fast path.
"""
from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
import uuid
from bisect import bisect
from itertools import accumulate
from typing import Any, Callable, Sequence

from fieldapp.core.reference import Catalog, shipped_rows

LANGS = ("en", "fr", "es")
EN, FR, ES = 0, 1, 2
Tri = tuple[str, str, str]
# The day the demo world is seen from: action items due before it are mostly done.
TODAY = dt.date(2025, 6, 30)
Progress = Callable[[str, int, int], None]


# --------------------------------------------------------------------------- countries
# code, text language, fr locative, places, crop keys, tree keys, climate zones, soil
# groups, (lat, lon) centre, spread in degrees, currency, people-name pool, phone prefix,
# weight in the sample.
COUNTRIES: tuple[tuple, ...] = (
    ("SN", FR, "au Sénégal", ("bassin arachidier", "Kaolack", "Thiès", "Fatick", "Kaffrine", "Casamance", "Niayes", "Diourbel", "Louga"),
     ("millet", "groundnut", "sorghum", "cowpea", "rice", "vegetables"), ("faidherbia", "baobab", "cashew", "mango"),
     ("TROP_DRY",), ("AR", "LX", "LV", "RG", "GL"), (14.3, -15.6), 1.2, "XOF", "wafr", "+221", 6),
    ("BF", FR, "au Burkina Faso", ("plateau central", "Yatenga", "Ouahigouya", "Koudougou", "Bobo-Dioulasso", "Kaya", "Dédougou", "Fada N'Gourma"),
     ("sorghum", "millet", "cowpea", "maize", "cotton", "sesame"), ("shea", "faidherbia", "neem", "moringa"),
     ("TROP_DRY",), ("LX", "LP", "PT", "LV", "VR"), (12.4, -1.5), 1.6, "XOF", "wafr", "+226", 5),
    ("ML", FR, "au Mali", ("Ségou", "Sikasso", "Koutiala", "Mopti", "Kayes", "Office du Niger"),
     ("millet", "sorghum", "cotton", "rice", "maize"), ("shea", "faidherbia", "baobab"),
     ("TROP_DRY",), ("LX", "AR", "PT", "FL"), (13.0, -6.5), 2.0, "XOF", "wafr", "+223", 3),
    ("NE", FR, "au Niger", ("Maradi", "Zinder", "Tillabéri", "Dosso", "Tahoua"),
     ("millet", "sorghum", "cowpea", "groundnut"), ("faidherbia", "acacia", "moringa"),
     ("TROP_DRY",), ("AR", "LX", "RG"), (13.8, 6.5), 2.0, "XOF", "wafr", "+227", 3),
    ("CI", FR, "en Côte d'Ivoire", ("Soubré", "Daloa", "Korhogo", "Bouaké", "Man", "San-Pédro", "Abengourou", "Yamoussoukro"),
     ("cocoa", "coffee", "cassava", "rice", "yam", "rubber"), ("cocoa", "gliricidia", "fraké", "teak"),
     ("TROP_MOIST", "TROP_WET"), ("FR", "AC", "NT", "LX"), (6.9, -5.6), 1.5, "XOF", "wafr", "+225", 5),
    ("BJ", FR, "au Bénin", ("Borgou", "Zou", "Collines", "Atacora", "Alibori"),
     ("maize", "cotton", "cassava", "soybean", "yam"), ("shea", "teak", "cashew"),
     ("TROP_DRY", "TROP_MOIST"), ("LX", "FR", "AC"), (9.0, 2.3), 1.2, "XOF", "wafr", "+229", 2),
    ("CM", FR, "au Cameroun", ("Bafoussam", "Garoua", "Bertoua", "Ebolowa", "Dschang"),
     ("cocoa", "coffee", "maize", "cassava", "plantain"), ("cocoa", "safou", "leucaena"),
     ("TROP_MOIST", "TROP_MONT"), ("FR", "AN", "NT"), (5.5, 12.0), 2.0, "XAF", "wafr", "+237", 2),
    ("MG", FR, "à Madagascar", ("lac Alaotra", "Vakinankaratra", "Antsirabe", "Itasy", "Fianarantsoa"),
     ("rice", "maize", "cassava", "beans", "vanilla"), ("grevillea", "acacia", "vanilla"),
     ("TROP_MONT", "TROP_MOIST"), ("FR", "AN", "AC"), (-19.5, 47.0), 1.5, "MGA", "mada", "+261", 2),
    ("MA", FR, "au Maroc", ("Meknès", "Saïs", "Chaouia", "Souss", "Tadla", "Haouz"),
     ("wheat", "barley", "olive", "chickpea"), ("olive", "argan", "almond"),
     ("WTEMP_DRY",), ("CL", "VR", "CM", "KS"), (33.0, -6.5), 1.5, "MAD", "maghreb", "+212", 3),
    ("TN", FR, "en Tunisie", ("Béja", "Siliana", "Kairouan", "Jendouba", "Sfax"),
     ("wheat", "barley", "olive", "vetch"), ("olive", "almond", "carob"),
     ("WTEMP_DRY",), ("CL", "VR", "CM"), (36.0, 9.5), 1.0, "TND", "maghreb", "+216", 2),
    ("FR", FR, "en France", ("Gers", "Beauce", "Bretagne", "Picardie", "Massif central", "Occitanie", "Champagne", "Bourgogne", "Landes"),
     ("wheat", "maize", "vineyard", "rapeseed", "sunflower", "grassland"), ("walnut", "poplar", "hedgerow"),
     ("WTEMP_MOIST", "CTEMP_MOIST"), ("LV", "CM", "RT", "CL", "FL"), (46.5, 2.5), 2.5, "EUR", "france", "+33", 5),
    ("HT", FR, "en Haïti", ("plateau central", "Artibonite", "Grand'Anse", "Cap-Haïtien"),
     ("maize", "beans", "coffee", "sorghum"), ("mango", "breadfruit", "leucaena"),
     ("TROP_MOIST",), ("LP", "CM", "VR"), (18.9, -72.5), 0.6, "HTG", "caribe", "+509", 1),
    ("GT", ES, "au Guatemala", ("Huehuetenango", "Alta Verapaz", "Quiché", "Chimaltenango", "San Marcos", "Petén", "Sololá"),
     ("coffee", "maize", "beans", "cardamom"), ("inga", "grevillea", "avocado", "coffee"),
     ("TROP_MONT", "TROP_MOIST"), ("AN", "AC", "LV", "CM"), (15.2, -91.0), 1.0, "GTQ", "latam", "+502", 4),
    ("MX", ES, "au Mexique", ("Oaxaca", "Chiapas", "Jalisco", "Michoacán", "Yucatán", "Sonora"),
     ("maize", "beans", "avocado", "coffee", "agave"), ("inga", "mesquite", "avocado"),
     ("TROP_DRY", "TROP_MONT", "WTEMP_DRY"), ("VR", "AN", "LP", "PH"), (19.0, -99.0), 4.0, "MXN", "latam", "+52", 4),
    ("CO", ES, "en Colombie", ("Cauca", "Huila", "Nariño", "Antioquia", "Meta", "Tolima"),
     ("coffee", "cocoa", "plantain", "rice", "grassland"), ("inga", "cocoa", "guadua"),
     ("TROP_MONT", "TROP_WET"), ("AN", "FR", "AC"), (4.0, -74.5), 2.5, "COP", "latam", "+57", 4),
    ("PE", ES, "au Pérou", ("Cajamarca", "San Martín", "Junín", "Cusco", "Puno", "Piura"),
     ("potato", "coffee", "quinoa", "cocoa", "grassland"), ("alder", "inga", "cocoa"),
     ("TROP_MONT", "TROP_MOIST"), ("AN", "LP", "CM", "AC"), (-9.5, -75.5), 3.0, "PEN", "latam", "+51", 3),
    ("BO", ES, "en Bolivie", ("Altiplano", "Cochabamba", "Santa Cruz", "Chuquisaca"),
     ("quinoa", "potato", "soybean", "maize"), ("queñua", "alder", "molle"),
     ("TROP_MONT", "TROP_DRY"), ("LP", "CM", "LV"), (-17.5, -65.0), 2.5, "BOB", "latam", "+591", 2),
    ("EC", ES, "en Équateur", ("Chimborazo", "Loja", "Imbabura", "Manabí", "Los Ríos"),
     ("cocoa", "potato", "maize", "banana"), ("guaba", "cocoa", "alder"),
     ("TROP_MONT", "TROP_MOIST"), ("AN", "CM", "FL"), (-1.5, -78.5), 1.5, "USD", "latam", "+593", 2),
    ("AR", ES, "en Argentine", ("Pampa húmeda", "Córdoba", "Entre Ríos", "Chaco", "Salta"),
     ("soybean", "wheat", "maize", "grassland"), ("algarrobo", "eucalyptus"),
     ("WTEMP_MOIST", "WTEMP_DRY"), ("PH", "CH", "VR", "KS"), (-33.0, -62.0), 3.0, "ARS", "latam", "+54", 3),
    ("ES", ES, "en Espagne", ("Andalucía", "Extremadura", "Castilla y León", "Aragón", "Navarra"),
     ("olive", "wheat", "vineyard", "almond", "barley"), ("holm oak", "olive", "almond"),
     ("WTEMP_DRY",), ("CM", "CL", "LV", "RG"), (39.5, -4.0), 3.0, "EUR", "spain", "+34", 3),
    ("NI", ES, "au Nicaragua", ("Matagalpa", "Jinotega", "Estelí", "León"),
     ("coffee", "beans", "maize", "cocoa"), ("inga", "madero negro", "coffee"),
     ("TROP_MONT", "TROP_DRY"), ("AN", "VR", "AC"), (12.9, -85.9), 1.0, "NIO", "latam", "+505", 2),
    ("CR", ES, "au Costa Rica", ("Turrialba", "Guanacaste", "Pérez Zeledón", "Sarapiquí"),
     ("coffee", "banana", "grassland", "pineapple"), ("erythrina", "inga", "cocoa"),
     ("TROP_WET", "TROP_MONT"), ("AN", "AC", "FL"), (9.9, -84.0), 0.8, "CRC", "latam", "+506", 2),
    ("IN", EN, "en Inde", ("Telangana", "Andhra Pradesh", "Anantapur district", "Punjab", "Maharashtra", "Karnataka", "Rajasthan", "Odisha", "Patancheru"),
     ("sorghum", "pigeon pea", "rice", "cotton", "chickpea", "wheat", "millet"), ("neem", "mango", "moringa", "teak"),
     ("TROP_DRY", "WTEMP_DRY", "TROP_MOIST"), ("VR", "LX", "LV", "FL", "CM"), (20.0, 78.5), 4.0, "INR", "sasia", "+91", 7),
    ("KE", EN, "au Kenya", ("Machakos", "Kitui", "Embu", "Kakamega", "Nakuru", "Meru", "Siaya"),
     ("maize", "beans", "tea", "sorghum", "vegetables"), ("grevillea", "calliandra", "avocado", "mango"),
     ("TROP_MONT", "TROP_DRY"), ("NT", "FR", "AN", "VR"), (-0.5, 37.0), 1.5, "KES", "eafr", "+254", 5),
    ("ET", EN, "en Éthiopie", ("Tigray", "Amhara highlands", "Oromia", "Sidama", "Wolaita"),
     ("teff", "wheat", "barley", "coffee", "enset"), ("faidherbia", "grevillea", "coffee"),
     ("TROP_MONT", "TROP_DRY"), ("VR", "NT", "LP", "CM"), (9.0, 39.0), 2.0, "ETB", "eafr", "+251", 4),
    ("GH", EN, "au Ghana", ("Ashanti", "Brong-Ahafo", "Northern Region", "Upper East", "Volta"),
     ("cocoa", "maize", "cassava", "yam", "groundnut"), ("cocoa", "shea", "gliricidia"),
     ("TROP_MOIST", "TROP_DRY"), ("LX", "AC", "FR"), (7.5, -1.2), 1.5, "GHS", "wafr_en", "+233", 3),
    ("NG", EN, "au Nigeria", ("Kano", "Kaduna", "Oyo", "Benue", "Plateau State"),
     ("maize", "sorghum", "cassava", "yam", "soybean"), ("shea", "moringa", "gliricidia"),
     ("TROP_DRY", "TROP_MOIST"), ("LX", "AR", "AC"), (9.5, 8.0), 3.0, "NGN", "wafr_en", "+234", 3),
    ("UG", EN, "en Ouganda", ("Mbale", "Masaka", "Gulu", "Kabale"),
     ("coffee", "banana", "maize", "beans"), ("grevillea", "calliandra", "coffee"),
     ("TROP_MOIST", "TROP_MONT"), ("FR", "NT", "AC"), (1.0, 32.5), 1.5, "UGX", "eafr", "+256", 2),
    ("TZ", EN, "en Tanzanie", ("Arusha", "Kilimanjaro", "Morogoro", "Dodoma", "Iringa"),
     ("maize", "coffee", "beans", "sorghum", "cassava"), ("grevillea", "gliricidia", "faidherbia"),
     ("TROP_DRY", "TROP_MONT"), ("FR", "AN", "LX"), (-6.0, 35.0), 2.5, "TZS", "eafr", "+255", 2),
    ("US", EN, "aux États-Unis", ("Iowa", "Nebraska", "Kansas", "Pennsylvania", "California Central Valley", "North Dakota"),
     ("maize", "soybean", "wheat", "grassland", "almond"), ("black walnut", "poplar", "oak"),
     ("CTEMP_MOIST", "WTEMP_MOIST", "CTEMP_DRY"), ("PH", "CH", "LV", "KS"), (41.5, -95.0), 5.0, "USD", "anglo", "+1", 3),
    ("AU", EN, "en Australie", ("New South Wales", "Western Australia wheatbelt", "Victoria", "Queensland"),
     ("wheat", "barley", "grassland", "canola"), ("eucalyptus", "saltbush"),
     ("WTEMP_DRY", "TROP_DRY"), ("LV", "CL", "VR", "AR"), (-31.0, 146.0), 5.0, "AUD", "anglo", "+61", 2),
    ("GB", EN, "au Royaume-Uni", ("Wiltshire", "Norfolk", "Devon", "Scottish Borders", "Herefordshire"),
     ("wheat", "grassland", "barley", "oilseed rape"), ("hedgerow", "oak", "willow"),
     ("CTEMP_MOIST",), ("CM", "LV", "ST", "GL"), (52.5, -1.8), 1.5, "GBP", "anglo", "+44", 2),
    ("FI", EN, "en Finlande", ("Uusimaa", "Häme", "Pirkanmaa", "Ostrobothnia", "Helsinki"),
     ("barley", "oats", "grassland", "wheat"), ("birch", "spruce", "willow"),
     ("BOREAL_MOIST", "CTEMP_MOIST"), ("PZ", "CM", "HS", "GL"), (61.5, 25.0), 1.5, "EUR", "nordic", "+358", 2),
    ("BD", EN, "au Bangladesh", ("Rajshahi", "Rangpur", "Khulna", "Mymensingh"),
     ("rice", "wheat", "jute", "lentil"), ("mango", "jackfruit"),
     ("TROP_MOIST",), ("FL", "GL", "CM"), (24.0, 89.5), 1.2, "BDT", "sasia", "+880", 2),
    ("VN", EN, "au Viêt Nam", ("Mekong Delta", "Central Highlands", "Son La", "Dak Lak"),
     ("rice", "coffee", "maize", "pepper"), ("cashew", "acacia", "coffee"),
     ("TROP_MOIST", "TROP_MONT"), ("FL", "FR", "AC"), (14.0, 107.5), 3.0, "VND", "seasia", "+84", 2),
    ("ID", EN, "en Indonésie", ("Central Java", "Lampung", "South Sulawesi", "Aceh"),
     ("rice", "coffee", "cocoa", "oil palm"), ("gliricidia", "cocoa", "coffee"),
     ("TROP_WET",), ("AN", "AC", "FR"), (-4.0, 110.0), 4.0, "IDR", "seasia", "+62", 2),
)

# Crops, trees and their French "de" form (d' before a vowel).
CROPS: dict[str, Tri] = {
    "millet": ("pearl millet", "mil", "mijo"), "groundnut": ("groundnut", "arachide", "maní"),
    "sorghum": ("sorghum", "sorgho", "sorgo"), "cowpea": ("cowpea", "niébé", "caupí"),
    "rice": ("rice", "riz", "arroz"), "vegetables": ("vegetables", "maraîchage", "hortalizas"),
    "maize": ("maize", "maïs", "maíz"), "cotton": ("cotton", "coton", "algodón"),
    "sesame": ("sesame", "sésame", "sésamo"), "cocoa": ("cocoa", "cacao", "cacao"),
    "coffee": ("coffee", "café", "café"), "cassava": ("cassava", "manioc", "yuca"),
    "yam": ("yam", "igname", "ñame"), "rubber": ("rubber", "hévéa", "caucho"),
    "soybean": ("soybean", "soja", "soja"), "plantain": ("plantain", "banane plantain", "plátano"),
    "beans": ("common bean", "haricot", "frijol"), "vanilla": ("vanilla", "vanille", "vainilla"),
    "wheat": ("wheat", "blé", "trigo"), "barley": ("barley", "orge", "cebada"),
    "olive": ("olive", "olivier", "olivo"), "chickpea": ("chickpea", "pois chiche", "garbanzo"),
    "vetch": ("vetch", "vesce", "veza"), "vineyard": ("vineyard", "vigne", "viñedo"),
    "rapeseed": ("rapeseed", "colza", "colza"), "sunflower": ("sunflower", "tournesol", "girasol"),
    "grassland": ("grassland", "prairie", "pradera"), "cardamom": ("cardamom", "cardamome", "cardamomo"),
    "avocado": ("avocado", "avocatier", "aguacate"), "agave": ("agave", "agave", "agave"),
    "potato": ("potato", "pomme de terre", "papa"), "quinoa": ("quinoa", "quinoa", "quinua"),
    "banana": ("banana", "bananier", "banano"), "almond": ("almond", "amandier", "almendro"),
    "pineapple": ("pineapple", "ananas", "piña"), "pigeon pea": ("pigeon pea", "pois d'Angole", "guandul"),
    "tea": ("tea", "thé", "té"), "teff": ("teff", "teff", "tef"), "enset": ("enset", "ensète", "enset"),
    "canola": ("canola", "canola", "canola"), "oilseed rape": ("oilseed rape", "colza", "colza"),
    "oats": ("oats", "avoine", "avena"), "jute": ("jute", "jute", "yute"), "lentil": ("lentil", "lentille", "lenteja"),
    "pepper": ("black pepper", "poivre", "pimienta"), "oil palm": ("oil palm", "palmier à huile", "palma aceitera"),
}
TREES: dict[str, Tri] = {
    "faidherbia": ("Faidherbia albida", "Faidherbia albida", "Faidherbia albida"), "baobab": ("baobab", "baobab", "baobab"),
    "cashew": ("cashew", "anacardier", "marañón"), "mango": ("mango", "manguier", "mango"),
    "shea": ("shea", "karité", "karité"), "neem": ("neem", "neem", "nim"), "moringa": ("moringa", "moringa", "moringa"),
    "acacia": ("acacia", "acacia", "acacia"), "cocoa": ("cocoa", "cacaoyer", "cacao"),
    "gliricidia": ("Gliricidia sepium", "Gliricidia sepium", "Gliricidia sepium"), "fraké": ("fraké", "fraké", "fraké"),
    "teak": ("teak", "teck", "teca"), "safou": ("safou", "safoutier", "safú"), "leucaena": ("leucaena", "leucaena", "leucaena"),
    "grevillea": ("grevillea", "grévillea", "grevilea"), "vanilla": ("vanilla", "vanillier", "vainilla"),
    "olive": ("olive", "olivier", "olivo"), "argan": ("argan", "arganier", "argán"), "almond": ("almond", "amandier", "almendro"),
    "carob": ("carob", "caroubier", "algarrobo"), "walnut": ("walnut", "noyer", "nogal"), "poplar": ("poplar", "peuplier", "álamo"),
    "hedgerow": ("hedgerows", "haies bocagères", "setos vivos"), "breadfruit": ("breadfruit", "arbre à pain", "árbol del pan"),
    "inga": ("Inga", "Inga", "guaba (Inga)"), "avocado": ("avocado", "avocatier", "aguacate"), "coffee": ("coffee", "caféier", "cafeto"),
    "mesquite": ("mesquite", "prosopis", "mezquite"), "guadua": ("guadua bamboo", "bambou guadua", "guadua"),
    "alder": ("Andean alder", "aulne andin", "aliso"), "queñua": ("queñua", "queñua", "queñua"), "molle": ("molle", "faux poivrier", "molle"),
    "guaba": ("guaba", "guaba", "guaba"), "algarrobo": ("algarrobo", "caroubier sud-américain", "algarrobo"),
    "eucalyptus": ("eucalyptus", "eucalyptus", "eucalipto"), "holm oak": ("holm oak", "chêne vert", "encina"),
    "madero negro": ("madero negro", "madero negro", "madero negro"), "erythrina": ("Erythrina", "érythrine", "poró"),
    "calliandra": ("calliandra", "calliandra", "caliandra"), "black walnut": ("black walnut", "noyer noir", "nogal negro"),
    "oak": ("oak", "chêne", "roble"), "saltbush": ("saltbush", "arroche", "atriplex"), "willow": ("willow", "saule", "sauce"),
    "birch": ("birch", "bouleau", "abedul"), "spruce": ("spruce", "épicéa", "pícea"), "jackfruit": ("jackfruit", "jacquier", "yaca"),
}
COVERS: tuple[Tri, ...] = (
    ("mucuna", "mucuna", "mucuna"), ("crotalaria", "crotalaire", "crotalaria"), ("cowpea", "niébé", "caupí"),
    ("vetch", "vesce", "veza"), ("phacelia", "phacélie", "facelia"), ("oats and vetch", "avoine et vesce", "avena y veza"),
    ("brachiaria", "brachiaria", "braquiaria"), ("stylosanthes", "stylosanthes", "estilosantes"),
    ("pigeon pea", "pois d'Angole", "guandul"), ("sunn hemp", "chanvre du Bengale", "crotalaria juncea"),
    ("clover", "trèfle", "trébol"), ("canavalia", "canavalia", "canavalia"), ("lablab", "dolique", "lablab"),
    ("radish and rye", "radis et seigle", "rábano y centeno"),
)
AMENDMENTS: tuple[Tri, ...] = (
    ("compost", "compost", "compost"), ("farmyard manure", "fumier", "estiércol"), ("biochar", "biochar", "biocarbón"),
    ("vermicompost", "lombricompost", "lombricompost"), ("bokashi", "bokashi", "bocashi"),
    ("poultry litter", "fientes de volaille", "gallinaza"), ("rice husk ash", "cendre de balle de riz", "ceniza de cascarilla de arroz"),
    ("coffee pulp compost", "compost de pulpe de café", "compost de pulpa de café"),
    ("green manure", "engrais vert", "abono verde"), ("goat and sheep manure", "fumier de petits ruminants", "estiércol de cabras y ovejas"),
    ("ramial chipped wood", "bois raméal fragmenté", "madera rameal fragmentada"),
)
CLIMATE_WORDS = {"TROP_DRY": ("semi-arid", "semi-aride", "semiárido"), "TROP_MOIST": ("humid tropical", "tropical humide", "tropical húmedo"),
                 "TROP_WET": ("very wet tropical", "tropical très humide", "tropical muy húmedo"),
                 "TROP_MONT": ("tropical highland", "tropical d'altitude", "de altura tropical"),
                 "WTEMP_DRY": ("Mediterranean", "méditerranéen", "mediterráneo"), "WTEMP_MOIST": ("warm temperate", "tempéré chaud", "templado cálido"),
                 "CTEMP_MOIST": ("oceanic temperate", "tempéré océanique", "templado oceánico"),
                 "CTEMP_DRY": ("continental", "continental", "continental"), "BOREAL_MOIST": ("boreal", "boréal", "boreal")}


def _de(word: str) -> str:
    """French 'de' before a noun: d'arachide, de mil."""
    return ("d'" if word[:1].lower() in "aeiouyéèêâîôûh" else "de ") + word


# Nouns whose article the templates cannot guess (templates are written for masculine
# singular and fixed up here, so one template serves every crop).
FR_FEMININE = {"pomme de terre", "banane plantain", "vigne", "prairie", "vanille", "lentille", "cardamome", "igname"}
ES_FEMININE = {"papa", "soja", "quinua", "yuca", "piña", "avena", "cebada", "veza", "colza", "lenteja", "palma aceitera",
               "pradera", "vainilla", "pimienta", "teca"}
ES_PLURAL_F = {"hortalizas"}
_FR_ELIDE = re.compile(r"\b([DdLl])(?:e|a) (?=[AEIOUYÉÈÂÎaeiouyéèâîô])")
_FR_DU = re.compile(r"\b([Dd])u (?=[AEIOUYÉÈaeiouyéè])")
_FR_AU = re.compile(r"\b([Aa])u (?=[AEIOUYÉÈaeiouyéè])")


def _fix_articles(text: str, lang: int, nouns: Sequence[str]) -> str:
    """Agree articles with the nouns put into a template (la vigne, del maíz, de la papa,
    d'Occitanie, l'orge)."""
    if lang == FR:
        for noun in nouns:
            if noun in FR_FEMININE:
                text = text.replace(f"le {noun}", f"la {noun}").replace(f"Le {noun}", f"La {noun}").replace(f"du {noun}", f"de la {noun}")
        text = _FR_DU.sub(lambda m: ("D" if m.group(1) == "D" else "d") + "e l'", text)
        text = _FR_AU.sub(lambda m: ("À" if m.group(1) == "A" else "à") + " l'", text)
        return _FR_ELIDE.sub(lambda m: m.group(1) + "'", text)
    if lang == ES:
        for noun in nouns:
            if noun in ES_FEMININE:
                text = text.replace(f"del {noun}", f"de la {noun}").replace(f"el {noun}", f"la {noun}").replace(f"El {noun}", f"La {noun}")
            elif noun in ES_PLURAL_F:
                text = text.replace(f"del {noun}", f"de las {noun}").replace(f"el {noun}", f"las {noun}").replace(f"El {noun}", f"Las {noun}")
    return text


def _say(template: str, lang: int, **values: Any) -> str:
    """Fill a template and agree its articles (de Itasy -> d'Itasy)."""
    return _fix_articles(template.format(**values), lang, ())


def _num(x: float, lang: int) -> str:
    """A decimal the way the text's language writes it (12.5 / 12,5)."""
    text = f"{x:g}" if abs(x) < 1e6 else f"{x:.0f}"
    return text if lang == EN else text.replace(".", ",")


# --------------------------------------------------------------------------- practice text
# family -> (land use codes, slm measures, degradation, title templates (en, fr, es)).
# Slots: {crop} {de_crop} {tree} {de_tree} {cover} {amend} {place} {loc} (locative: "in X").
FAMILIES: dict[str, tuple] = {
    "agroecology": (("CL",), ("agronomic", "management"), ("biological_degradation", "chemical_deterioration"), (
        ("Agroecological transition of {crop} farms {loc}", "Transition agroécologique des exploitations {de_crop} {loc}", "Transición agroecológica de fincas de {crop} {loc}"),
        ("Crop–livestock integration with {amend} {loc}", "Intégration agriculture-élevage et {amend} {loc}", "Integración agricultura-ganadería con {amend} {loc}"),
        ("Farmer field schools for agroecological {crop}", "Champs-écoles paysans pour la culture agroécologique {de_crop}", "Escuelas de campo para {crop} agroecológico"),
        ("Push-pull and biological pest control in {crop}", "Lutte biologique et push-pull dans la culture {de_crop}", "Control biológico y push-pull en {crop}"),
        ("Agroecological market gardens recycling {amend}", "Maraîchage agroécologique et recyclage {de_amend}", "Huertos agroecológicos con reciclaje de {amend}"),
    )),
    "reduced_tillage": (("CL",), ("agronomic", "management"), ("water_erosion", "physical_deterioration"), (
        ("No-till {crop} under mulch {loc}", "Semis direct {de_crop} sous couvert végétal {loc}", "Siembra directa de {crop} bajo cobertura {loc}"),
        ("Ripper furrows instead of ploughing for {crop}", "Sous-solage en ligne au lieu du labour pour le {crop}", "Subsolado en línea en lugar de arado para {crop}"),
        ("Strip tillage of {crop} with residue retention", "Travail en bandes {de_crop} avec maintien des résidus", "Labranza en franjas de {crop} con retención de rastrojos"),
        ("Zero tillage {crop} with the Happy Seeder {loc}", "Semis direct {de_crop} au semoir Happy Seeder {loc}", "Labranza cero de {crop} con sembradora Happy Seeder {loc}"),
        ("Minimum tillage with animal-drawn planters {loc}", "Travail minimum du sol au semoir à traction animale {loc}", "Labranza mínima con sembradora de tracción animal {loc}"),
    )),
    "soil_cover": (("CL", "GL"), ("agronomic", "vegetative"), ("water_erosion", "wind_erosion"), (
        ("Permanent mulch of {crop} residues {loc}", "Paillage permanent avec les résidus {de_crop} {loc}", "Acolchado permanente con rastrojos de {crop} {loc}"),
        ("Living mulch of {cover} under {crop}", "Couverture vive de {cover} sous {crop}", "Cobertura viva de {cover} bajo {crop}"),
        ("Keeping the soil covered all year with {cover}", "Sol couvert toute l'année grâce à un couvert de {cover}", "Suelo cubierto todo el año con {cover}"),
        ("Grass strips and mulch against erosion {loc}", "Bandes enherbées et paillage contre l'érosion {loc}", "Franjas de pasto y acolchado contra la erosión {loc}"),
    )),
    "cover_crops": (("CL",), ("vegetative", "agronomic"), ("water_erosion", "biological_degradation"), (
        ("{cover} cover crop before {crop} {loc}", "Culture intermédiaire de {cover} avant le {crop} {loc}", "Cultivo de cobertura de {cover} antes del {crop} {loc}"),
        ("Multi-species cover crops in {crop} rotations", "Couverts multi-espèces dans les rotations {de_crop}", "Coberturas multiespecie en rotaciones de {crop}"),
        ("Relay cropping of {cover} in {crop}", "Culture relais de {cover} dans le {crop}", "Cultivo de relevo de {cover} en {crop}"),
        ("Winter cover of {cover} to feed soil life", "Couvert hivernal de {cover} pour nourrir la vie du sol", "Cobertura invernal de {cover} para alimentar la vida del suelo"),
    )),
    "diversified_cropping": (("CL",), ("agronomic",), ("biological_degradation", "chemical_deterioration"), (
        ("{crop} and legume intercropping {loc}", "Association {de_crop} et légumineuses {loc}", "Asociación de {crop} con leguminosas {loc}"),
        ("Three-year rotation of {crop}, legumes and fodder", "Rotation triennale {de_crop}, légumineuses et fourrage", "Rotación trienal de {crop}, leguminosas y forraje"),
        ("Milpa system revisited: maize, beans and squash {loc}", "Le système milpa revisité : maïs, haricot et courge {loc}", "La milpa renovada: maíz, frijol y calabaza {loc}"),
        ("Diversifying {crop} with {cover} strips", "Diversification du {crop} avec des bandes de {cover}", "Diversificación del {crop} con franjas de {cover}"),
    )),
    "agroforestry": (("CL", "FL"), ("vegetative", "management"), ("water_erosion", "biological_degradation"), (
        ("{crop} agroforestry with {tree} {loc}", "Agroforesterie à base {de_crop} sous {tree} {loc}", "Agroforestería con {crop} y {tree} {loc}"),
        ("Farmer-managed natural regeneration of {tree} {loc}", "Régénération naturelle assistée {de_tree} {loc}", "Regeneración natural asistida de {tree} {loc}"),
        ("Parkland of {tree} over {crop} fields", "Parc arboré {de_tree} sur les champs {de_crop}", "Parque arbolado de {tree} sobre campos de {crop}"),
        ("Shade trees ({tree}) in {crop} plots {loc}", "Arbres d'ombrage ({tree}) dans les parcelles {de_crop} {loc}", "Árboles de sombra ({tree}) en parcelas de {crop} {loc}"),
        ("Alley cropping of {crop} between rows of {tree}", "Cultures en couloirs {de_crop} entre des lignes {de_tree}", "Cultivo en callejones de {crop} entre hileras de {tree}"),
    )),
    "conservation_agriculture": (("CL",), ("agronomic", "management"), ("water_erosion", "physical_deterioration", "biological_degradation"), (
        ("Conservation agriculture for smallholder {crop} {loc}", "Agriculture de conservation pour le {crop} paysan {loc}", "Agricultura de conservación para {crop} campesino {loc}"),
        ("Direct seeding, mulch and rotation in {crop}", "Semis direct, paillage et rotation dans le {crop}", "Siembra directa, acolchado y rotación en {crop}"),
        ("Conservation agriculture basins with {amend}", "Cuvettes d'agriculture de conservation avec {amend}", "Cuencas de agricultura de conservación con {amend}"),
        ("Permanent beds and residue retention for {crop} {loc}", "Planches permanentes et maintien des résidus pour le {crop} {loc}", "Camas permanentes y retención de rastrojos para {crop} {loc}"),
    )),
    "regenerative_agriculture": (("CL", "GL"), ("agronomic", "management"), ("biological_degradation", "chemical_deterioration"), (
        ("Regenerative {crop} with {cover} and {amend}", "{crop} régénérateur avec {cover} et {amend}", "{crop} regenerativo con {cover} y {amend}"),
        ("Soil-health first: regenerative transition {loc}", "La santé du sol d'abord : transition régénératrice {loc}", "Primero la salud del suelo: transición regenerativa {loc}"),
        ("Reducing synthetic inputs with {amend} in {crop}", "Réduire les intrants de synthèse grâce {de_amend2} dans le {crop}", "Reducir insumos de síntesis con {amend} en {crop}"),
        ("Regenerative grazing and cropping on mixed farms {loc}", "Pâturage et cultures régénératrices en polyculture-élevage {loc}", "Pastoreo y cultivos regenerativos en fincas mixtas {loc}"),
    )),
    "grazing_management": (("GL",), ("management", "vegetative"), ("biological_degradation", "wind_erosion", "water_erosion"), (
        ("Rotational grazing of cattle {loc}", "Pâturage tournant des bovins {loc}", "Pastoreo rotacional de ganado {loc}"),
        ("Holistic planned grazing on degraded rangeland", "Pâturage planifié holistique sur parcours dégradés", "Pastoreo holístico planificado en pastizales degradados"),
        ("Silvopasture with {tree} {loc}", "Sylvopastoralisme avec {tree} {loc}", "Sistema silvopastoril con {tree} {loc}"),
        ("Reseeding pastures with {cover} and legumes", "Réensemencement des prairies avec {cover} et légumineuses", "Resiembra de praderas con {cover} y leguminosas"),
        ("Mob grazing and long rest periods {loc}", "Pâturage cellulaire et longues périodes de repos {loc}", "Pastoreo en altas cargas y descansos largos {loc}"),
    )),
    "landscape_management": (("CL", "FL", "GL"), ("structural", "vegetative"), ("water_erosion", "water_degradation"), (
        ("Stone bunds and half-moons on the {place} slopes", "Cordons pierreux et demi-lunes {loc}", "Cordones de piedra y medialunas {loc}"),
        ("Watershed management with contour hedges of {tree}", "Gestion du bassin versant avec des haies {de_tree} en courbes de niveau", "Manejo de cuencas con setos de {tree} en curvas de nivel"),
        ("Terraces and grass strips {loc}", "Terrasses et bandes enherbées {loc}", "Terrazas y franjas de pasto {loc}"),
        ("Community landscape plan for soil carbon {loc}", "Plan de paysage communautaire pour le carbone du sol {loc}", "Plan comunitario de paisaje para el carbono del suelo {loc}"),
    )),
    "organic_amendments": (("CL",), ("agronomic",), ("chemical_deterioration", "biological_degradation"), (
        ("{amend} for {crop} fields {loc}", "Apport {de_amend} sur les parcelles {de_crop} {loc}", "Aplicación de {amend} en parcelas de {crop} {loc}"),
        ("On-farm {amend} production and use", "Production et utilisation {de_amend} à la ferme", "Producción y uso de {amend} en la finca"),
        ("Combining {amend} with microdosing in {crop}", "Associer {amend} et microdose d'engrais dans le {crop}", "Combinar {amend} y microdosis en {crop}"),
        ("Recycling crop residues into {amend} {loc}", "Recyclage des résidus de culture en {amend} {loc}", "Reciclaje de rastrojos en {amend} {loc}"),
    )),
    "land_restoration": (("OL", "GL", "FL"), ("structural", "vegetative"), ("water_erosion", "wind_erosion", "physical_deterioration"), (
        ("Zaï pits to restore crusted soils {loc}", "Le zaï pour restaurer les sols encroûtés {loc}", "Hoyos zaï para restaurar suelos encostrados {loc}"),
        ("Restoring degraded land with {tree} and {amend}", "Restauration des terres dégradées avec {tree} et {amend}", "Restauración de tierras degradadas con {tree} y {amend}"),
        ("Rehabilitating gullies and bare slopes {loc}", "Réhabilitation des ravines et des versants dénudés {loc}", "Rehabilitación de cárcavas y laderas desnudas {loc}"),
        ("Great Green Wall plots: trees, grasses and {crop}", "Parcelles de la Grande Muraille verte : arbres, herbacées et {crop}", "Parcelas de la Gran Muralla Verde: árboles, pastos y {crop}"),
        ("Reclaiming saline soils with {amend} {loc}", "Récupération des sols salés avec {amend} {loc}", "Recuperación de suelos salinos con {amend} {loc}"),
    )),
}
FAMILY_NAMES = tuple(FAMILIES)
# What the practice consists of (one sentence per family, three languages).
HOW: dict[str, tuple[Tri, ...]] = {
    "agroecology": (("Farmers combine crop diversity, local seeds, {amend} and biological pest control instead of synthetic inputs.",
                     "Les paysans combinent diversité des cultures, semences locales, {amend} et lutte biologique à la place des intrants de synthèse.",
                     "Los productores combinan diversidad de cultivos, semillas locales, {amend} y control biológico en lugar de insumos de síntesis."),
                    ("Livestock manure is composted and returned to the fields, closing nutrient cycles on the farm.",
                     "Le fumier du bétail est composté puis restitué aux champs, ce qui boucle les cycles des nutriments sur l'exploitation.",
                     "El estiércol del ganado se composta y se devuelve a las parcelas, cerrando los ciclos de nutrientes en la finca.")),
    "reduced_tillage": (("The soil is no longer ploughed: seeds are placed directly through the residues with a jab planter or a direct seeder.",
                         "Le sol n'est plus labouré : les semences sont placées directement à travers les résidus avec un semoir à main ou un semoir de semis direct.",
                         "El suelo ya no se ara: la semilla se coloca directamente a través de los rastrojos con sembradora manual o de siembra directa."),
                        ("Soil disturbance is limited to the planting line, which keeps aggregates and fungal networks intact.",
                         "Le travail du sol est limité à la ligne de semis, ce qui préserve les agrégats et les réseaux mycorhiziens.",
                         "La remoción del suelo se limita a la línea de siembra, lo que conserva los agregados y las redes de micorrizas.")),
    "soil_cover": (("At least 30 % of the surface stays covered by residues or living plants all year round.",
                    "Au moins 30 % de la surface reste couverte par des résidus ou des plantes vivantes toute l'année.",
                    "Al menos el 30 % de la superficie permanece cubierta por rastrojos o plantas vivas durante todo el año."),
                   ("The mulch protects the soil from raindrop impact and keeps it cool and moist during dry spells.",
                    "Le paillage protège le sol de l'impact des gouttes de pluie et le garde frais et humide pendant les poches de sécheresse.",
                    "El acolchado protege el suelo del impacto de la lluvia y lo mantiene fresco y húmedo durante las sequías.")),
    "cover_crops": (("A mix of {cover} is sown right after harvest and rolled or grazed before the next {crop}.",
                     "Un mélange de {cover} est semé juste après la récolte puis roulé ou pâturé avant le prochain {crop}.",
                     "Una mezcla de {cover} se siembra justo después de la cosecha y se rola o pastorea antes del siguiente {crop}."),
                    ("The cover crop fixes nitrogen, feeds soil organisms and suppresses weeds between two cash crops.",
                     "Le couvert fixe l'azote, nourrit les organismes du sol et limite les adventices entre deux cultures de rente.",
                     "La cobertura fija nitrógeno, alimenta a los organismos del suelo y controla malezas entre dos cultivos comerciales.")),
    "diversified_cropping": (("{crop} is grown in rotation or in association with legumes such as cowpea, pigeon pea or beans.",
                              "Le {crop} est cultivé en rotation ou en association avec des légumineuses comme le niébé, le pois d'Angole ou le haricot.",
                              "El {crop} se cultiva en rotación o asociado con leguminosas como caupí, guandul o frijol."),
                             ("Diversity spreads risk: when one crop fails after a dry spell, the others still give a harvest.",
                              "La diversité répartit les risques : quand une culture échoue après une sécheresse, les autres donnent encore une récolte.",
                              "La diversidad reparte el riesgo: cuando un cultivo falla por la sequía, los demás siguen dando cosecha.")),
    "agroforestry": (("Trees such as {tree} are planted or protected in the fields at 50 to 200 stems per hectare.",
                      "Des arbres comme {tree} sont plantés ou protégés dans les champs, à raison de 50 à 200 pieds par hectare.",
                      "Árboles como {tree} se plantan o protegen en las parcelas, con 50 a 200 pies por hectárea."),
                     ("Leaf litter and pruned branches return carbon and nutrients to the soil, while roots explore deep layers.",
                      "La litière et les branches élaguées restituent carbone et nutriments au sol, tandis que les racines explorent les horizons profonds.",
                      "La hojarasca y las ramas podadas devuelven carbono y nutrientes al suelo, mientras las raíces exploran los horizontes profundos.")),
    "conservation_agriculture": (("The three principles are applied together: minimum soil disturbance, permanent soil cover and crop diversification.",
                                  "Les trois principes sont appliqués ensemble : perturbation minimale du sol, couverture permanente et diversification des cultures.",
                                  "Se aplican juntos los tres principios: mínima remoción del suelo, cobertura permanente y diversificación de cultivos."),
                                 ("Planting basins are dug once and reused every season, concentrating water and {amend} near the roots.",
                                  "Les cuvettes de semis sont creusées une fois et réutilisées chaque saison, concentrant l'eau et {amend} près des racines.",
                                  "Las cuencas de siembra se cavan una vez y se reutilizan cada temporada, concentrando agua y {amend} cerca de las raíces.")),
    "regenerative_agriculture": (("The farm follows soil-health principles: living roots all year, diversity, integration of animals and minimal disturbance.",
                                  "La ferme suit les principes de santé du sol : racines vivantes toute l'année, diversité, intégration des animaux et perturbation minimale.",
                                  "La finca sigue los principios de salud del suelo: raíces vivas todo el año, diversidad, integración animal y mínima perturbación."),
                                 ("Synthetic fertiliser is reduced step by step as {amend} and legumes take over.",
                                  "Les engrais de synthèse sont réduits pas à pas à mesure que {amend} et les légumineuses prennent le relais.",
                                  "Los fertilizantes de síntesis se reducen paso a paso a medida que {amend} y las leguminosas toman el relevo.")),
    "grazing_management": (("The herd moves between paddocks every few days and each paddock rests for 40 to 90 days.",
                            "Le troupeau change de parcelle tous les quelques jours et chaque parcelle se repose 40 à 90 jours.",
                            "El hato cambia de potrero cada pocos días y cada potrero descansa de 40 a 90 días."),
                           ("Stocking rates are adjusted to forage growth, so that grasses keep deep roots and cover the ground.",
                            "Le chargement est ajusté à la pousse de l'herbe pour que les graminées gardent des racines profondes et couvrent le sol.",
                            "La carga animal se ajusta al crecimiento del forraje para que los pastos mantengan raíces profundas y cubran el suelo.")),
    "landscape_management": (("Stone bunds, hedges and grass strips follow the contour lines to slow runoff across the whole slope.",
                              "Cordons pierreux, haies et bandes enherbées suivent les courbes de niveau pour freiner le ruissellement sur tout le versant.",
                              "Cordones de piedra, setos y franjas de pasto siguen las curvas de nivel para frenar la escorrentía en toda la ladera."),
                             ("The village land-use committee agrees on grazing corridors, protected areas and restored plots.",
                              "Le comité villageois de gestion des terroirs s'accorde sur les couloirs de passage, les zones mises en défens et les parcelles restaurées.",
                              "El comité comunal de ordenamiento acuerda corredores de pastoreo, áreas protegidas y parcelas restauradas.")),
    "organic_amendments": (("The amendment ({amend}) is produced on the farm from residues and manure, then applied at 5 to 10 t per hectare.",
                            "L'amendement ({amend}) est produit sur l'exploitation à partir des résidus et du fumier, puis apporté à raison de 5 à 10 t par hectare.",
                            "La enmienda ({amend}) se produce en la finca con rastrojos y estiércol, y se aplica a razón de 5 a 10 t por hectárea."),
                           ("Applying {amend} year after year raises organic matter and the water-holding capacity of sandy soils.",
                            "L'apport régulier {de_amend} augmente la matière organique et la réserve utile en eau des sols sableux.",
                            "La aplicación año tras año de {amend} aumenta la materia orgánica y la retención de agua de los suelos arenosos.")),
    "land_restoration": (("Pits of 20 to 30 cm are dug in the dry season and filled with a handful of {amend} before the rains.",
                          "Des poquets de 20 à 30 cm sont creusés en saison sèche et remplis d'une poignée {de_amend} avant les pluies.",
                          "Se cavan hoyos de 20 a 30 cm en la estación seca y se llenan con un puñado de {amend} antes de las lluvias."),
                         ("Half-moons and bunds capture runoff, and native grasses and {tree} recolonise the crusted plots.",
                          "Les demi-lunes et les diguettes captent le ruissellement, et les herbacées locales et {tree} recolonisent les glacis encroûtés.",
                          "Las medialunas y los diques captan la escorrentía, y los pastos nativos y {tree} recolonizan las parcelas encostradas.")),
}
CONTEXT: tuple[Tri, ...] = (
    ("{loc_cap}, farmers grow {crop} on {soil} under a {climate} climate with erratic rains.",
     "{loc_cap}, les agriculteurs cultivent le {crop} sur des {soil} sous un climat {climate} aux pluies irrégulières.",
     "{loc_cap}, los agricultores cultivan {crop} en {soil} bajo un clima {climate} con lluvias irregulares."),
    ("Continuous cropping and residue export had depleted soil organic matter on the {soil} of the area.",
     "La culture continue et l'exportation des résidus avaient appauvri la matière organique des {soil} de la zone.",
     "El cultivo continuo y la exportación de rastrojos habían agotado la materia orgánica de los {soil} de la zona."),
    ("Before the practice, yields of {crop} were falling and the soil crusted after every storm.",
     "Avant la pratique, les rendements {de_crop} baissaient et le sol s'encroûtait après chaque orage.",
     "Antes de la práctica, los rendimientos de {crop} caían y el suelo se encostraba después de cada tormenta."),
    ("The practice started with a group of {farmers_small} farmers supported by {org}.",
     "La pratique a démarré avec un groupe de {farmers_small} producteurs appuyés par {org}.",
     "La práctica comenzó con un grupo de {farmers_small} productores apoyados por {org}."),
)
EVIDENCE: tuple[Tri, ...] = (
    ("Demonstration plots were monitored for {years} years by {org} and the local farmer groups.",
     "Des parcelles de démonstration ont été suivies pendant {years} ans par {org} et les groupements de producteurs.",
     "Las parcelas demostrativas fueron monitoreadas durante {years} años por {org} y los grupos de productores."),
    ("Soil samples (0–30 cm) were taken at the start and after {years} seasons, with bulk density measured on each plot.",
     "Des échantillons de sol (0-30 cm) ont été prélevés au départ et après {years} saisons, avec la densité apparente mesurée sur chaque parcelle.",
     "Se tomaron muestras de suelo (0-30 cm) al inicio y después de {years} temporadas, midiendo la densidad aparente en cada parcela."),
    ("The experience comes from farmers themselves and was documented during exchange visits.",
     "L'expérience vient des paysans eux-mêmes et a été documentée lors de visites d'échange.",
     "La experiencia proviene de los propios agricultores y se documentó en visitas de intercambio."),
)
RESULTS: tuple[Tri, ...] = (
    ("Soil organic carbon in the 0–30 cm layer rose from {s0} to {s1} t C/ha in {years} years ({soc} t C/ha/yr).",
     "Le stock de carbone organique du sol (0-30 cm) est passé de {s0} à {s1} t C/ha en {years} ans ({soc} t C/ha/an).",
     "El carbono orgánico del suelo (0-30 cm) pasó de {s0} a {s1} t C/ha en {years} años ({soc} t C/ha/año)."),
    ("Yields of {crop} increased by {pct} % on average, with better resistance to dry spells.",
     "Les rendements {de_crop} ont augmenté de {pct} % en moyenne, avec une meilleure résistance aux poches de sécheresse.",
     "Los rendimientos de {crop} aumentaron un {pct} % en promedio, con mejor resistencia a las sequías."),
    ("Water infiltration doubled and runoff losses fell sharply during heavy rains.",
     "L'infiltration de l'eau a doublé et les pertes par ruissellement ont fortement diminué lors des fortes pluies.",
     "La infiltración de agua se duplicó y las pérdidas por escorrentía bajaron mucho durante las lluvias intensas."),
    ("Earthworm activity and aggregate stability improved visibly after the second season.",
     "L'activité des vers de terre et la stabilité structurale se sont nettement améliorées dès la deuxième saison.",
     "La actividad de las lombrices y la estabilidad de los agregados mejoraron visiblemente desde la segunda temporada."),
    ("About {farmers} farmers now apply the practice on {area} ha.",
     "Environ {farmers} agriculteurs appliquent aujourd'hui la pratique sur {area} ha.",
     "Unos {farmers} agricultores aplican hoy la práctica en {area} ha."),
    ("Labour at sowing time dropped, freeing time for women who manage the nurseries.",
     "Le travail au moment des semis a diminué, libérant du temps pour les femmes qui gèrent les pépinières.",
     "La mano de obra en la siembra disminuyó, liberando tiempo para las mujeres que manejan los viveros."),
)
CONSTRAINTS: tuple[Tri, ...] = (
    ("The main obstacle is competition for crop residues with livestock feed in the dry season.",
     "Le principal frein reste la concurrence pour les résidus avec l'alimentation du bétail en saison sèche.",
     "El principal obstáculo es la competencia por los rastrojos con la alimentación del ganado en la estación seca."),
    ("Access to seed of {cover} and to suitable planters limits wider adoption.",
     "L'accès aux semences de {cover} et à des semoirs adaptés limite une adoption plus large.",
     "El acceso a semillas de {cover} y a sembradoras adecuadas limita una adopción más amplia."),
    ("Land tenure insecurity discourages investment in trees on rented plots.",
     "L'insécurité foncière décourage l'investissement dans les arbres sur les parcelles louées.",
     "La inseguridad en la tenencia de la tierra desalienta la inversión en árboles en parcelas arrendadas."),
    ("Women and young farmers were trained first, and now lead the local demonstration network.",
     "Les femmes et les jeunes ont été formés en premier et animent maintenant le réseau local de démonstration.",
     "Las mujeres y los jóvenes se capacitaron primero y hoy lideran la red local de demostración."),
    ("Weed pressure increases during the first two years, before the system stabilises.",
     "La pression des adventices augmente les deux premières années, avant que le système ne se stabilise.",
     "La presión de malezas aumenta los dos primeros años, antes de que el sistema se estabilice."),
)
SUMMARY: tuple[Tri, ...] = (
    ("{title_cap}: a {family} practice that rebuilds soil organic matter while securing {crop} harvests.",
     "{title_cap} : une pratique {family} qui reconstitue la matière organique du sol tout en sécurisant les récoltes {de_crop}.",
     "{title_cap}: una práctica de {family} que reconstruye la materia orgánica del suelo y asegura las cosechas de {crop}."),
    ("How smallholders {loc} keep their soils covered, fertile and storing carbon.",
     "Comment les petits producteurs {loc} gardent leurs sols couverts, fertiles et stockant du carbone.",
     "Cómo los pequeños productores {loc} mantienen sus suelos cubiertos, fértiles y almacenando carbono."),
    ("A low-cost practice on {soil} that raised soil carbon by {soc} t C/ha/yr and improved yields.",
     "Une pratique peu coûteuse sur {soil} qui a augmenté le carbone du sol de {soc} t C/ha/an et amélioré les rendements.",
     "Una práctica de bajo costo en {soil} que aumentó el carbono del suelo en {soc} t C/ha/año y mejoró los rendimientos."),
)
FAMILY_ADJ = {  # "a {family} practice" / "une pratique {family}" / "una práctica de {family}"
    "agroecology": ("agroecological", "agroécologique", "agroecología"), "reduced_tillage": ("reduced-tillage", "de travail réduit du sol", "labranza reducida"),
    "soil_cover": ("soil-cover", "de couverture du sol", "cobertura del suelo"), "cover_crops": ("cover-crop", "de couverts végétaux", "cultivos de cobertura"),
    "diversified_cropping": ("crop-diversification", "de diversification des cultures", "diversificación de cultivos"),
    "agroforestry": ("agroforestry", "agroforestière", "agroforestería"), "conservation_agriculture": ("conservation agriculture", "d'agriculture de conservation", "agricultura de conservación"),
    "regenerative_agriculture": ("regenerative", "régénératrice", "agricultura regenerativa"), "grazing_management": ("grazing-management", "de gestion du pâturage", "manejo del pastoreo"),
    "landscape_management": ("landscape", "de gestion des paysages", "gestión del paisaje"), "organic_amendments": ("organic-amendment", "d'amendement organique", "enmiendas orgánicas"),
    "land_restoration": ("restoration", "de restauration des terres", "restauración de tierras"),
}
FAMILY_ARTICLES = {  # French and Spanish definite articles of the family labels
    "agroecology": ("l'", "la"), "reduced_tillage": ("le", "la"), "soil_cover": ("la", "la"), "cover_crops": ("les", "los"),
    "diversified_cropping": ("les", "los"), "agroforestry": ("l'", "la"), "conservation_agriculture": ("l'", "la"),
    "regenerative_agriculture": ("l'", "la"), "grazing_management": ("la", "el"), "landscape_management": ("la", "la"),
    "organic_amendments": ("les", "las"), "land_restoration": ("la", "la"),
}
RETURN_COMMENTS: tuple[Tri, ...] = (
    ("Please add the bulk density used to compute the SOC stock.", "Merci de préciser la densité apparente utilisée pour calculer le stock de COS.", "Por favor indique la densidad aparente usada para calcular el stock de COS."),
    ("Results need the sampling depth and the number of plots.", "Les résultats doivent indiquer la profondeur d'échantillonnage et le nombre de parcelles.", "Los resultados deben indicar la profundidad de muestreo y el número de parcelas."),
    ("Add photos of the plots and the costs per hectare.", "Ajouter des photos des parcelles et les coûts par hectare.", "Agregue fotos de las parcelas y los costos por hectárea."),
)

# --------------------------------------------------------------------------- people
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {  # female, male, family
    "wafr": (("Aminata", "Fatoumata", "Awa", "Mariama", "Aïssatou", "Khady", "Ramatou", "Adjoa", "Salimata", "Bintou", "Rokia", "Ndèye"),
             ("Moussa", "Ibrahima", "Ousmane", "Mamadou", "Abdoulaye", "Souleymane", "Issa", "Boubacar", "Yacouba", "Cheikh", "Koffi", "Seydou"),
             ("Diop", "Ndiaye", "Traoré", "Ouédraogo", "Coulibaly", "Diallo", "Sawadogo", "Konaté", "Kaboré", "Sow", "Koné", "Fall", "Kouassi", "Yao", "Sanogo", "Zongo")),
    "wafr_en": (("Abena", "Akosua", "Ngozi", "Chiamaka", "Amina", "Efua", "Funmilayo", "Hauwa"),
                ("Kwame", "Kofi", "Chinedu", "Emeka", "Yaw", "Musa", "Tunde", "Ibrahim"),
                ("Mensah", "Owusu", "Boateng", "Okafor", "Adeyemi", "Bello", "Asante", "Nwosu", "Abubakar", "Danso")),
    "eafr": (("Wanjiru", "Achieng", "Njeri", "Amani", "Tigist", "Mekdes", "Neema", "Aisha", "Grace", "Halima"),
             ("Kamau", "Otieno", "Mwangi", "Baraka", "Tesfaye", "Alemu", "Juma", "Daniel", "Joseph", "Kiprop"),
             ("Kamau", "Odhiambo", "Mutua", "Wambui", "Kebede", "Bekele", "Mollel", "Kiprotich", "Nakato", "Mugisha", "Haile")),
    "mada": (("Voahangy", "Hanitra", "Lalao", "Fara", "Noro"), ("Rivo", "Hery", "Tiana", "Fidy", "Andry"),
             ("Rakotomalala", "Randrianarisoa", "Rasoanaivo", "Andriamanjato", "Razafindrakoto", "Ravelomanana")),
    "maghreb": (("Fatima", "Khadija", "Salma", "Imane", "Leïla", "Nadia", "Samira"), ("Youssef", "Mohamed", "Karim", "Rachid", "Hamza", "Mehdi", "Anis"),
                ("El Amrani", "Benali", "Bennani", "Trabelsi", "Ben Salah", "Chraibi", "Haddad", "Mansouri", "Jaziri")),
    "france": (("Marie", "Camille", "Claire", "Sophie", "Élodie", "Isabelle", "Anne", "Juliette", "Cornelia", "Hélène"),
               ("Jean", "Pierre", "Nicolas", "Thomas", "Julien", "François", "Antoine", "Paul", "Olivier", "Stéphane"),
               ("Martin", "Dubois", "Bernard", "Moreau", "Laurent", "Lefèvre", "Rousseau", "Girard", "Chevalier", "Fournier", "Mercier", "Le Gall")),
    "caribe": (("Marie-Claude", "Nadège", "Rose", "Mirlande"), ("Jean-Baptiste", "Wilner", "Frantz", "Rony"),
               ("Jean-Louis", "Pierre-Louis", "Desir", "Joseph", "Charles", "Augustin")),
    "latam": (("María", "Ana", "Lucía", "Carmen", "Rosa", "Juana", "Valentina", "Gabriela", "Marta", "Sofía", "Yolanda", "Daniela"),
              ("José", "Juan", "Carlos", "Luis", "Miguel", "Jorge", "Pedro", "Diego", "Andrés", "Santiago", "Raúl", "Hugo"),
              ("González", "Rodríguez", "Hernández", "López", "Martínez", "Pérez", "Ramírez", "Flores", "Quispe", "Mamani", "Torres", "Cruz", "Morales", "Vásquez", "Chávez", "Ixcoy")),
    "spain": (("Laura", "Elena", "Pilar", "Inés", "Nuria", "Montserrat"), ("Javier", "Álvaro", "Pablo", "Jordi", "Íñigo", "Manuel"),
              ("García", "Fernández", "Sánchez", "Ruiz", "Navarro", "Jiménez", "Ortega", "Iglesias", "Puig")),
    "sasia": (("Priya", "Lakshmi", "Anjali", "Sunita", "Kavita", "Deepa", "Meena", "Shabnam", "Rupa"),
              ("Suresh", "Ramesh", "Rajesh", "Arun", "Vikram", "Sanjay", "Karim", "Anil", "Venkatesh"),
              ("Reddy", "Kumar", "Sharma", "Patel", "Rao", "Singh", "Naidu", "Das", "Rahman", "Hossain", "Wani", "Iyer")),
    "seasia": (("Siti", "Dewi", "Nguyen Thi Lan", "Tran Thi Mai", "Putri"), ("Budi", "Agus", "Nguyen Van Minh", "Le Van Hung", "Rizal"),
               ("Santoso", "Wijaya", "Pham", "Hoang", "Saputra", "Nugroho")),
    "anglo": (("Sarah", "Emily", "Jessica", "Rachel", "Olivia", "Hannah", "Kate"), ("James", "Michael", "David", "Robert", "Ben", "William", "Tom"),
              ("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Anderson", "Miller", "Clark", "Walker", "Hughes", "Evans")),
    "nordic": (("Anna", "Aino", "Laura", "Johanna", "Liisa", "Emma"), ("Mikko", "Juha", "Antti", "Jari", "Ville", "Pekka"),
               ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Heikkinen", "Laine", "Lehtonen", "Koskinen")),
}
ROLES: tuple[Tri, ...] = (
    ("Regional correspondent", "Correspondant régional", "Corresponsal regional"), ("Soil scientist", "Pédologue", "Edafólogo"),
    ("Programme officer", "Chargé de programme", "Oficial de programa"), ("Agronomist", "Agronome", "Agrónomo"),
    ("Director", "Directeur", "Director"), ("Extension officer", "Conseiller agricole", "Extensionista"),
    ("President of the cooperative", "Président de la coopérative", "Presidente de la cooperativa"),
    ("Research fellow", "Chercheur", "Investigador"), ("Project coordinator", "Coordinateur de projet", "Coordinador de proyecto"),
    ("Communication officer", "Chargé de communication", "Responsable de comunicación"), ("Farmer", "Agriculteur", "Agricultor"),
    ("Head of the soil laboratory", "Responsable du laboratoire des sols", "Jefe del laboratorio de suelos"),
    ("Climate policy adviser", "Conseiller politiques climatiques", "Asesor en políticas climáticas"),
    ("Forester", "Forestier", "Ingeniero forestal"), ("Gender and youth focal point", "Point focal genre et jeunesse", "Punto focal de género y juventud"),
)

# --------------------------------------------------------------------------- organisations
# Well-known organisations first (so a small demo still shows them): name, acronym, type,
# college, country, city, membership, website.
KNOWN_ORGS: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("International Crops Research Institute for the Semi-Arid Tropics", "ICRISAT", "research", "C2", "IN", "Patancheru, Hyderabad", "member", "https://www.icrisat.org"),
    ("Centre de coopération internationale en recherche agronomique pour le développement", "CIRAD", "research", "C2", "FR", "Montpellier", "member", "https://www.cirad.fr"),
    ("Institut national de recherche pour l'agriculture, l'alimentation et l'environnement", "INRAE", "research", "C2", "FR", "Paris", "member", "https://www.inrae.fr"),
    ("Institut de recherche pour le développement", "IRD", "research", "C2", "FR", "Marseille", "member", "https://www.ird.fr"),
    ("Food and Agriculture Organization of the United Nations", "FAO", "international_org", "C1", "IT", "Rome", "partner", "https://www.fao.org"),
    ("Natural Resources Institute Finland", "Luke", "research", "C2", "FI", "Helsinki", "member", "https://www.luke.fi"),
    ("Baltic Sea Action Group", "BSAG", "ngo", "C4", "FI", "Helsinki", "member", "https://www.bsag.fi"),
    ("Ministry of Agriculture and Forestry of Finland", "MMM", "state", "C1", "FI", "Helsinki", "member", "https://mmm.fi"),
    ("Centre national de recherche agronomique", "CNRA", "research", "C2", "CI", "Abidjan", "member", "https://www.cnra.ci"),
    ("Ministère de l'Agriculture et du Développement rural de Côte d'Ivoire", "MINADER", "state", "C1", "CI", "Abidjan", "member", "https://www.agriculture.gouv.ci"),
    ("Indian Council of Agricultural Research", "ICAR", "research", "C2", "IN", "New Delhi", "partner", "https://icar.org.in"),
    ("Trust for Advancement of Agricultural Sciences", "TAAS", "ngo", "C4", "IN", "New Delhi", "partner", "https://www.taas.in"),
    ("Alliance of Bioversity International and CIAT", "ABC", "research", "C2", "CO", "Palmira", "partner", "https://alliancebioversityciat.org"),
    ("Institut sénégalais de recherches agricoles", "ISRA", "research", "C2", "SN", "Dakar", "member", "https://www.isra.sn"),
    ("Institut de l'environnement et de recherches agricoles", "INERA", "research", "C2", "BF", "Ouagadougou", "partner", "https://www.inera.bf"),
    ("Centro Agronómico Tropical de Investigación y Enseñanza", "CATIE", "research", "C2", "CR", "Turrialba", "member", "https://www.catie.ac.cr"),
    ("World Agroforestry (CIFOR-ICRAF)", "ICRAF", "research", "C2", "KE", "Nairobi", "member", "https://www.cifor-icraf.org"),
    ("Kenya Agricultural and Livestock Research Organization", "KALRO", "research", "C2", "KE", "Nairobi", "partner", "https://www.kalro.org"),
    ("Ethiopian Institute of Agricultural Research", "EIAR", "research", "C2", "ET", "Addis Ababa", "partner", "https://www.eiar.gov.et"),
    ("Instituto Nacional de Tecnología Agropecuaria", "INTA", "research", "C2", "AR", "Buenos Aires", "member", "https://www.argentina.gob.ar/inta"),
    ("Instituto de Ciencia y Tecnología Agrarias de Guatemala", "ICTA", "research", "C2", "GT", "Guatemala City", "partner", "https://www.icta.gob.gt"),
    ("Ministerio de Agricultura, Ganadería y Alimentación", "MAGA", "state", "C1", "GT", "Guatemala City", "member", "https://www.maga.gob.gt"),
    ("Ministère de l'Agriculture et de la Souveraineté alimentaire", "MASA", "state", "C1", "FR", "Paris", "member", "https://agriculture.gouv.fr"),
    ("Institut national de la recherche agronomique du Maroc", "INRA Maroc", "research", "C2", "MA", "Rabat", "member", "https://www.inra.org.ma"),
    ("Institut d'économie rurale", "IER", "research", "C2", "ML", "Bamako", "partner", "https://www.ier.gouv.ml"),
    ("Rodale Institute", "Rodale", "research", "C2", "US", "Kutztown", "partner", "https://rodaleinstitute.org"),
    ("African Development Bank", "AfDB", "development_bank", "FUNDERS", "CI", "Abidjan", "partner", "https://www.afdb.org"),
    ("International Fund for Agricultural Development", "IFAD", "development_bank", "FUNDERS", "IT", "Rome", "partner", "https://www.ifad.org"),
    ("Agence française de développement", "AFD", "development_bank", "FUNDERS", "FR", "Paris", "member", "https://www.afd.fr"),
    ("Heartfulness Institute", "Heartfulness", "ngo", "C4", "IN", "Hyderabad", "partner", "https://heartfulness.org"),
    ("Réseau des organisations paysannes et de producteurs de l'Afrique de l'Ouest", "ROPPA", "producer_org", "C3", "BF", "Ouagadougou", "member", "https://www.roppa-afrique.org"),
    ("Asociación de Agricultura de Conservación de Guatemala", "AACG", "producer_org", "C3", "GT", "Huehuetenango", "partner", "https://www.aacg.org.gt"),
)
ORG_NAMES: dict[str, tuple[Tri, ...]] = {  # type -> templates (en, fr, es); {city} {place} {crop} {de_crop} {word} {surname} {country}
    "producer_org": (("{city} Farmers' Cooperative Society", "Coopérative agricole de {city}", "Cooperativa agraria de {city}"),
                     ("{place} {crop} Growers' Union", "Union des producteurs {de_crop} de {place}", "Unión de productores de {crop} de {place}"),
                     ("{place} Women Farmers' Association", "Réseau des femmes rurales de {place}", "Asociación de mujeres productoras de {place}"),
                     ("{city} Pastoralists' Association", "Fédération des éleveurs de {city}", "Asociación de ganaderos de {city}"),
                     ("{place} Young Farmers' Network", "Groupement des jeunes agriculteurs de {place}", "Red de jóvenes agricultores de {place}")),
    "ngo": (("{word} Trust — {city}", "Association {word} — {city}", "Fundación {word} — {city}"),
            ("{place} Rural Development Association", "Association pour le développement rural de {place}", "Asociación para el desarrollo rural de {place}"),
            ("Farmers for {word} ({country})", "Agriculteurs sans frontières {country}", "Agricultores por la {word} ({country})"),
            ("{city} Centre for Sustainable Agriculture", "Centre d'appui à l'agriculture durable de {city}", "Centro de apoyo a la agricultura sostenible de {city}")),
    "research": (("University of {city}, Department of Soil Science", "Université de {city}, laboratoire de science du sol", "Universidad de {city}, Facultad de Agronomía"),
                 ("{place} Regional Agricultural Research Centre", "Centre régional de recherche agronomique de {place}", "Centro regional de investigación agropecuaria de {place}"),
                 ("{city} Soil Carbon Laboratory", "Laboratoire d'écologie des sols de {city}", "Laboratorio de carbono del suelo de {city}"),
                 ("{country} Institute of Agroforestry", "Institut national d'agroforesterie ({country})", "Instituto Nacional de Agroforestería ({country})")),
    "state": (("{place} Department of Agriculture", "Direction régionale de l'agriculture de {place}", "Secretaría de Agricultura de {place}"),
              ("{place} County Government, Environment Office", "Conseil régional de {place}", "Gobierno regional de {place}")),
    "private": (("{surname} Agro Ltd", "{surname} Agro SARL", "Agroservicios {surname} S.A."),
                ("{surname} Seeds, {city}", "Semences {surname} et fils", "Semillas {surname} de {city}"),
                ("{city} Compost Company", "Compost {city} SA", "Compostera {city} S.R.L."),
                ("{word} Carbon Farming Ltd", "{word} Carbone SAS", "{word} Carbono S.A.S.")),
    "foundation": (("{surname} Foundation for Living Soils", "Fondation {surname} pour les sols vivants", "Fundación {surname} para suelos vivos"),
                   ("{place} Community Foundation", "Fondation {place} Solidarité", "Fundación Comunitaria de {place}")),
    "international_org": (("Regional Programme for Soil Health in {region}", "Programme régional pour la santé des sols – {region}", "Programa regional de salud del suelo – {region}"),),
    "development_bank": (("{region} Sustainable Agriculture Fund", "Fonds pour l'agriculture durable – {region}", "Fondo de agricultura sostenible – {region}"),),
}
ORG_WORDS: tuple[Tri, ...] = (
    ("Living Soil", "Sol Vivant", "Suelo Vivo"), ("Green Sahel", "Sahel Vert", "Sahel Verde"), ("Fertile Land", "Terres Fertiles", "Tierra Fértil"),
    ("Earth and Life", "Terre et Vie", "Tierra y Vida"), ("Humus", "Humus", "Humus"), ("Black Earth", "Terre Noire", "Tierra Negra"),
    ("Roots", "Racines", "Raíces"), ("Seeds of Hope", "Graines d'Espoir", "Semillas de Esperanza"), ("Agroecology", "Agroécologie", "Agroecología"),
    ("Carbon", "Carbone", "Carbono"), ("Mother Earth", "Terre Mère", "Pachamama"), ("Sustainable Harvest", "Récolte Durable", "Cosecha Sostenible"),
)
ORG_TYPE_WEIGHTS = (("ngo", 30), ("producer_org", 22), ("private", 18), ("research", 15), ("state", 5), ("foundation", 5),
                    ("international_org", 3), ("development_bank", 2))
COLLEGE_OF = {"state": "C1", "international_org": "C1", "development_bank": "C1", "research": "C2", "producer_org": "C3",
              "ngo": "C4", "foundation": "C4", "private": "C5"}
ORG_NOTES: tuple[Tri, ...] = (
    ("Joined after the regional meeting; focal point for practice collection.", "A rejoint l'Initiative après la réunion régionale ; point focal pour la collecte des pratiques.", "Se unió tras la reunión regional; punto focal para la recopilación de prácticas."),
    ("Runs demonstration plots with farmer groups.", "Anime des parcelles de démonstration avec des groupements de producteurs.", "Gestiona parcelas demostrativas con grupos de productores."),
    ("Interested in MRV of soil carbon and carbon markets.", "Intéressé par le MNV du carbone des sols et les marchés du carbone.", "Interesado en el MRV del carbono del suelo y los mercados de carbono."),
    ("Co-organised a workshop on soil health with the Executive Secretariat.", "A co-organisé un atelier sur la santé des sols avec le Secrétariat exécutif.", "Coorganizó un taller sobre salud del suelo con la Secretaría Ejecutiva."),
)

# --------------------------------------------------------------------------- meetings
FLAGSHIP_MEETINGS: tuple[dict, ...] = (
    {"title": "“4 per 1000” Asia regional meeting", "meeting_type": "regional_meeting", "starts_on": "2023-02-07", "ends_on": "2023-02-10",
     "place": "ICRISAT campus, Patancheru, Hyderabad", "country": "IN",
     "organisers": "ICRISAT; ICAR; Alliance of Bioversity International and CIAT; TAAS; Heartfulness Institute; 4 per 1000 Executive Secretariat",
     "summary": "Regional meeting for Asia on soil carbon, food security and climate: practices from semi-arid India, farmer testimonies, and a roadmap for the regional network.",
     "objectives": ["D2", "A3", "B2"], "lang": EN},
    {"title": "Réunion « 4 pour 1000 » Afrique de l'Ouest : les sols forestiers", "meeting_type": "regional_meeting", "starts_on": "2023-05-15",
     "ends_on": "2023-05-17", "place": "Abidjan", "country": "CI",
     "organisers": "CIRAD ; Ministère ivoirien de l'Agriculture et du Développement rural ; projet Terri4Sol ; Secrétariat exécutif « 4 pour 1000 »",
     "summary": "Réunion régionale consacrée aux sols forestiers et agroforestiers d'Afrique de l'Ouest : cacaoculture, régénération naturelle assistée, suivi du carbone organique.",
     "objectives": ["D2", "A3", "E2"], "lang": FR},
    {"title": "“4 per 1000” Northern Europe meeting: more carbon in soils for multiple benefits", "meeting_type": "regional_meeting",
     "starts_on": "2023-06-06", "ends_on": "2023-06-08", "place": "Helsinki", "country": "FI",
     "organisers": "Baltic Sea Action Group (BSAG); Ministry of Agriculture and Forestry of Finland; 4 per 1000 Executive Secretariat",
     "summary": "First Northern Europe regional meeting: carbon farming, peatland soils, MRV and the benefits of soil carbon for water quality and biodiversity.",
     "objectives": ["D2", "E1", "A5"], "lang": EN},
    {"title": "7e réunion du Consortium des membres", "meeting_type": "consortium_meeting", "starts_on": "2021-11-10", "ends_on": "2021-11-10",
     "place": "Glasgow (COP26) et en ligne", "country": "GB", "organisers": "Secrétariat exécutif « 4 pour 1000 »",
     "summary": "Accueil des nouveaux partenaires et membres, rapport d'activités 2020-2021, propositions du CST pour la feuille de route 2022, adoption du plan de mise en œuvre.",
     "objectives": ["A6", "D4", "F2"], "lang": FR},
    {"title": "8e réunion du Consortium des membres", "meeting_type": "consortium_meeting", "starts_on": "2022-11-16", "ends_on": "2022-11-16",
     "place": "Sharm El Sheikh (COP27) et en ligne via Zoom", "country": "EG", "organisers": "Secrétariat exécutif « 4 pour 1000 »",
     "summary": "Feuille de route 2023, réunions régionales d'Asie, d'Afrique de l'Ouest et d'Europe du Nord, budget et mobilisation des ressources.",
     "objectives": ["F2", "D2", "C1"], "lang": FR},
)
TOPICS: tuple[Tri, ...] = (
    ("forest soil carbon", "le carbone des sols forestiers", "el carbono de los suelos forestales"),
    ("cocoa agroforestry", "l'agroforesterie à base de cacao", "la agroforestería con cacao"),
    ("MRV of soil organic carbon", "le MNV du carbone organique des sols", "el MRV del carbono orgánico del suelo"),
    ("cover crops and no-till", "les couverts végétaux et le semis direct", "los cultivos de cobertura y la siembra directa"),
    ("restoring degraded drylands", "la restauration des terres sèches dégradées", "la restauración de tierras secas degradadas"),
    ("soil health and food security", "la santé des sols et la sécurité alimentaire", "la salud del suelo y la seguridad alimentaria"),
    ("soil carbon in NDCs", "le carbone du sol dans les CDN", "el carbono del suelo en las CDN"),
    ("youth and women in regenerative farming", "les jeunes et les femmes dans l'agriculture régénératrice", "jóvenes y mujeres en la agricultura regenerativa"),
    ("grazing management on rangelands", "la gestion du pâturage sur les parcours", "el manejo del pastoreo en pastizales"),
    ("compost and organic amendments", "le compost et les amendements organiques", "el compost y las enmiendas orgánicas"),
    ("carbon markets for smallholders", "les marchés du carbone pour les petits producteurs", "los mercados de carbono para pequeños productores"),
    ("the practice database", "la base de données des pratiques", "la base de datos de prácticas"),
    ("coffee agroforestry", "l'agroforesterie caféière", "la agroforestería cafetalera"),
    ("peatland and wetland soils", "les sols des tourbières et zones humides", "los suelos de turberas y humedales"),
)
MEETING_TITLES: dict[str, Tri] = {
    "regional_meeting": ("“4 per 1000” regional meeting — {region}, {city} {year}", "Réunion régionale « 4 pour 1000 » {region} — {city} {year}",
                         "Reunión regional «4 por 1000» {region} — {city} {year}"),
    "workshop": ("Workshop on {topic} — {city}", "Atelier sur {topic} — {city}", "Taller sobre {topic} — {city}"),
    "consortium_meeting": ("Consortium of members meeting {year}", "Réunion du Consortium des membres {year}", "Reunión del Consorcio de miembros {year}"),
    "stc_meeting": ("Scientific and Technical Committee session — {topic}", "Session du Comité scientifique et technique — {topic}",
                    "Sesión del Comité Científico y Técnico — {topic}"),
    "webinar": ("Webinar: {topic}", "Webinaire : {topic}", "Seminario web: {topic}"),
    "field_visit": ("Field visit: {topic} in {city}", "Visite de terrain : {topic} à {city}", "Visita de campo: {topic} en {city}"),
}
MEETING_TYPE_WEIGHTS = (("workshop", 35), ("regional_meeting", 15), ("field_visit", 20), ("webinar", 15), ("stc_meeting", 8), ("consortium_meeting", 7))
MEETING_SUMMARY: tuple[Tri, ...] = (
    ("Participants shared practices on {topic}, discussed the regional roadmap and agreed on follow-up actions.",
     "Les participants ont partagé leurs pratiques sur {topic}, discuté de la feuille de route régionale et convenu d'actions de suivi.",
     "Los participantes compartieron prácticas sobre {topic}, discutieron la hoja de ruta regional y acordaron acciones de seguimiento."),
    ("Farmers, researchers and local authorities met to document practices and plan soil sampling.",
     "Agriculteurs, chercheurs et autorités locales se sont réunis pour documenter les pratiques et planifier l'échantillonnage des sols.",
     "Agricultores, investigadores y autoridades locales se reunieron para documentar prácticas y planificar el muestreo de suelos."),
    ("The session reviewed projects submitted to the call and the criteria and indicators of the reference set.",
     "La séance a examiné les projets soumis à l'appel et les critères et indicateurs du référentiel.",
     "La sesión revisó los proyectos presentados a la convocatoria y los criterios e indicadores de referencia."),
)
AGENDA: tuple[Tri, ...] = (
    ("Opening and adoption of the agenda", "Ouverture et adoption de l'ordre du jour", "Apertura y aprobación del orden del día"),
    ("Approval of the report of the previous meeting", "Approbation du rapport de la réunion précédente", "Aprobación del informe de la reunión anterior"),
    ("Welcome of new partners and members", "Accueil des nouveaux partenaires et membres", "Bienvenida a los nuevos socios y miembros"),
    ("Presentation of practices from the region", "Présentation des pratiques de la région", "Presentación de prácticas de la región"),
    ("Farmers' testimonies", "Témoignages de producteurs", "Testimonios de productores"),
    ("Soil carbon measurement and MRV", "Mesure du carbone du sol et MNV", "Medición del carbono del suelo y MRV"),
    ("Roadmap for the coming year", "Feuille de route pour l'année à venir", "Hoja de ruta para el próximo año"),
    ("Regional network and correspondents", "Réseau régional et correspondants", "Red regional y corresponsales"),
    ("Call for projects: criteria and indicators", "Appel à projets : critères et indicateurs", "Convocatoria de proyectos: criterios e indicadores"),
    ("Budget and resource mobilisation", "Budget et mobilisation des ressources", "Presupuesto y movilización de recursos"),
    ("Gender and youth inclusion", "Inclusion des femmes et des jeunes", "Inclusión de mujeres y jóvenes"),
    ("Field visit debriefing", "Restitution de la visite de terrain", "Retroalimentación de la visita de campo"),
    ("Any other business and closing", "Questions diverses et clôture", "Varios y clausura"),
)
DISCUSSION: tuple[Tri, ...] = (
    ("Several participants stressed the cost of soil analyses and asked for shared laboratories.",
     "Plusieurs participants ont souligné le coût des analyses de sol et demandé des laboratoires mutualisés.",
     "Varios participantes subrayaron el costo de los análisis de suelo y pidieron laboratorios compartidos."),
    ("The discussion focused on how to reach farmers without network coverage.",
     "La discussion a porté sur la manière d'atteindre les producteurs sans couverture réseau.",
     "La discusión se centró en cómo llegar a los productores sin cobertura de red."),
    ("Members asked the Executive Secretariat to translate the documents into Spanish and Arabic.",
     "Les membres ont demandé au Secrétariat exécutif de traduire les documents en espagnol et en arabe.",
     "Los miembros pidieron a la Secretaría Ejecutiva traducir los documentos al español y al árabe."),
    ("The STC recalled that safeguards (human rights, land tenure) come first in project assessment.",
     "Le CST a rappelé que les garde-fous (droits humains, droits fonciers) priment dans l'évaluation des projets.",
     "El CCT recordó que las salvaguardas (derechos humanos, tenencia de la tierra) son prioritarias en la evaluación de proyectos."),
    ("Participants compared results of {topic} across countries of the region.",
     "Les participants ont comparé les résultats sur {topic} entre pays de la région.",
     "Los participantes compararon resultados sobre {topic} entre países de la región."),
)
DECISIONS: tuple[Tri, ...] = (
    ("The roadmap {year} is adopted.", "La feuille de route {year} est adoptée.", "Se adopta la hoja de ruta {year}."),
    ("The report of the previous meeting is approved.", "Le rapport de la réunion précédente est approuvé.", "Se aprueba el informe de la reunión anterior."),
    ("{n} new partners are welcomed, including {m} members.", "{n} nouveaux partenaires sont accueillis, dont {m} membres.", "Se da la bienvenida a {n} nuevos socios, entre ellos {m} miembros."),
    ("A regional working group on {topic} is created.", "Un groupe de travail régional sur {topic} est créé.", "Se crea un grupo de trabajo regional sobre {topic}."),
    ("The next regional meeting will be held in {city}.", "La prochaine réunion régionale se tiendra à {city}.", "La próxima reunión regional se celebrará en {city}."),
    ("Practices presented today are submitted to the STC for review.", "Les pratiques présentées ce jour sont soumises au CST pour examen.", "Las prácticas presentadas hoy se someten al CCT para su revisión."),
    ("A common soil sampling protocol (0–30 cm, bulk density) is adopted for the network.", "Un protocole commun d'échantillonnage des sols (0-30 cm, densité apparente) est adopté pour le réseau.", "Se adopta un protocolo común de muestreo de suelos (0-30 cm, densidad aparente) para la red."),
    ("The membership fee increase is discussed.", "L'augmentation de la cotisation des membres est discutée.", "Se discute el aumento de la cuota de los miembros."),
    ("The budget {year} is approved with a reserve for the regional meetings.", "Le budget {year} est approuvé avec une réserve pour les réunions régionales.", "Se aprueba el presupuesto {year} con una reserva para las reuniones regionales."),
)
ACTIONS: tuple[Tri, ...] = (
    ("Send the minutes to all participants", "Envoyer le compte rendu à tous les participants", "Enviar el acta a todos los participantes"),
    ("Enter the practices presented into the database", "Saisir les pratiques présentées dans la base de données", "Registrar las prácticas presentadas en la base de datos"),
    ("Organise soil sampling on the demonstration plots in {city}", "Organiser l'échantillonnage des sols sur les parcelles de démonstration de {city}", "Organizar el muestreo de suelos en las parcelas demostrativas de {city}"),
    ("Prepare a note on {topic} for the STC", "Préparer une note sur {topic} pour le CST", "Preparar una nota sobre {topic} para el CCT"),
    ("Contact the ministry about soil carbon in the NDC", "Contacter le ministère au sujet du carbone du sol dans la CDN", "Contactar al ministerio sobre el carbono del suelo en la CDN"),
    ("Translate the training materials", "Traduire les supports de formation", "Traducir los materiales de capacitación"),
    ("Identify a regional correspondent for {country}", "Identifier un correspondant régional pour {country}", "Identificar un corresponsal regional para {country}"),
    ("Submit the project proposal to the call", "Soumettre la proposition de projet à l'appel", "Presentar la propuesta de proyecto a la convocatoria"),
    ("Share photos and videos of the field visit", "Partager les photos et vidéos de la visite de terrain", "Compartir fotos y videos de la visita de campo"),
)
CAPTURE_NOTES: tuple[Tri, ...] = (
    ("Presented by {name}", "Présentée par {name}", "Presentada por {name}"),
    ("Described during the field visit", "Décrite pendant la visite de terrain", "Descrita durante la visita de campo"),
    ("Farmer testimony", "Témoignage d'un producteur", "Testimonio de un productor"),
)

# --------------------------------------------------------------------------- projects
PROJECT_TITLES: tuple[Tri, ...] = (
    ("Restoring degraded soils through {family} {loc}", "Restauration des sols dégradés par {family_fr} {loc}", "Restauración de suelos degradados mediante {family_es} {loc}"),
    ("Scaling up {family} for {crop} farmers {loc}", "Mise à l'échelle {family_fr_de} pour les producteurs {de_crop} {loc}", "Ampliación {family_es_de} para productores de {crop} {loc}"),
    ("Soil carbon monitoring network {loc}", "Réseau de suivi du carbone des sols {loc}", "Red de monitoreo del carbono del suelo {loc}"),
    ("Women and youth leading {family} {loc}", "Femmes et jeunes, moteurs {family_fr_de} {loc}", "Mujeres y jóvenes al frente {family_es_de} {loc}"),
    ("Carbon-rich soils for food security {loc}", "Des sols riches en carbone pour la sécurité alimentaire {loc}", "Suelos ricos en carbono para la seguridad alimentaria {loc}"),
)
PROJECT_SUMMARY: tuple[Tri, ...] = (
    ("The project will support {farmers} farmers on {area} ha, with soil sampling at baseline and after three years.",
     "Le projet accompagnera {farmers} producteurs sur {area} ha, avec un échantillonnage des sols au départ et après trois ans.",
     "El proyecto acompañará a {farmers} productores en {area} ha, con muestreo de suelos al inicio y después de tres años."),
    ("Expected storage: {soc} t C/ha/yr; safeguards on land tenure and gender inclusion are part of the design.",
     "Stockage attendu : {soc} t C/ha/an ; les garde-fous sur le foncier et l'inclusion des femmes font partie de la conception.",
     "Almacenamiento esperado: {soc} t C/ha/año; las salvaguardas sobre la tenencia y la inclusión de género forman parte del diseño."),
)


# --------------------------------------------------------------------------- the generator
def _cum(pairs: Sequence[tuple[Any, int]]) -> tuple[tuple[Any, ...], list[int]]:
    return tuple(p[0] for p in pairs), list(accumulate(p[1] for p in pairs))


SCORE_WEIGHTS = _cum(((-3, 1), (-2, 2), (-1, 4), (0, 12), (1, 30), (2, 35), (3, 16)))
REVIEW_WEIGHTS = _cum((("published", 40), ("validated", 15), ("submitted", 18), ("draft", 22), ("returned", 5)))
PROJECT_STATUS_WEIGHTS = _cum((("ongoing", 25), ("completed", 20), ("approved", 10), ("submitted", 15), ("under_review", 10),
                               ("draft", 10), ("rejected", 10)))
GENDER_WEIGHTS = _cum((("female", 44), ("male", 52), ("other", 1), ("undisclosed", 3)))
AGE_WEIGHTS = _cum((("youth", 30), ("adult", 58), ("senior", 12)))
OUTCOME_WEIGHTS = _cum((("adopted", 72), ("postponed", 18), ("rejected", 10)))
ORG_TYPES = _cum(ORG_TYPE_WEIGHTS)
MEETING_TYPES = _cum(MEETING_TYPE_WEIGHTS)


def _fold(text: str) -> str:
    """ASCII, lower case, no spaces: for e-mail addresses and web sites."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class _Generator:
    """One pass over a seeded random stream; entity methods must run in schema order."""

    def __init__(self, scale: int, seed: int):
        self.scale = max(1, int(scale))
        self.rng = random.Random(seed)
        self.catalog = Catalog.from_rows(shipped_rows())
        self.country_weights = list(accumulate(c[-1] for c in COUNTRIES))
        self.by_code = {c[0]: c for c in COUNTRIES}
        self.orgs: list[tuple[str, str, str]] = []  # (id, country, short name)
        self.orgs_by_country: dict[str, list[int]] = {}
        self.contacts: list[tuple[str, str, str]] = []  # (id, name, gender)
        self.contacts_by_region: dict[str, list[int]] = {}
        self.practices_by_region: dict[str, list[str]] = {}

    # -- small helpers
    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def pick(self, cum: tuple[tuple, list[int]]) -> Any:
        values, weights = cum
        return values[bisect(weights, self.rng.random() * weights[-1])]

    def country(self) -> tuple:
        return COUNTRIES[bisect(self.country_weights, self.rng.random() * self.country_weights[-1])]

    def region(self, code: str) -> str | None:
        return self.catalog.region_of_country(code)

    def country_name(self, code: str, lang: int) -> str:
        return self.catalog.label("country", code, LANGS[lang])

    def loc(self, c: tuple, place: str, lang: int) -> str:
        """'in Telangana' / 'dans la région de Kaolack (au Sénégal)' / 'en Huehuetenango'."""
        if lang == EN:
            return f"in {place}, {self.country_name(c[0], EN)}"
        if lang == FR:
            if place.startswith(("bassin", "plateau", "lac", "Massif")):
                return f"dans le {place} {c[2]}" if not place.startswith("lac") else f"autour du {place} {c[2]}"
            return f"dans la région {_de(place)} {c[2]}"
        return f"en {place}, {self.country_name(c[0], ES)}"

    def person(self, pool: str) -> tuple[str, str]:
        female, male, family = NAMES[pool]
        gender = self.pick(GENDER_WEIGHTS)
        first = self.rng.choice(female if gender == "female" else male)
        return f"{first} {self.rng.choice(family)}", gender

    def point(self, c: tuple) -> tuple[float, float]:
        (lat, lon), spread = c[8], c[9]
        return (round(max(-90, min(90, lat + self.rng.uniform(-spread, spread))), 5),
                round(max(-180, min(180, lon + self.rng.uniform(-spread, spread))), 5))

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange(max(1, (end - start).days)))

    # -- organisations
    def organisations(self) -> list[dict]:
        n = max(1, self.scale // 5)
        rows = []
        website: str | None
        for i in range(n):
            if i < len(KNOWN_ORGS):
                name, acronym, org_type, college, code, city, membership, website = KNOWN_ORGS[i]
                lang = self.by_code[code][1] if code in self.by_code else EN
                email = f"contact@{website.split('//')[1].split('/')[0].removeprefix('www.')}"
            else:
                c = self.country()
                code, lang = c[0], c[1]
                org_type = self.pick(ORG_TYPES) if i % 7 else "producer_org"
                city = self.rng.choice(c[3])
                name = self._org_name(org_type, c, city, lang)
                acronym = "".join(w[0] for w in name.replace("'", " ").split() if w[:1].isupper())[:8]
                if len(acronym) < 3 or self.rng.random() < 0.4:
                    acronym = None
                college = "FUNDERS" if org_type in ("foundation", "development_bank") and self.rng.random() < 0.4 else COLLEGE_OF[org_type]
                membership = "member" if self.rng.random() < 0.3 else "partner"
                slug = _fold(acronym or name)[:24] or "org"
                website = f"https://www.{slug}.org" if self.rng.random() < 0.7 else None
                email = f"contact@{slug}{self.rng.randrange(10, 99)}.org"
            lat, lon = self.point(self.by_code[code]) if code in self.by_code else (41.9 if code == "IT" else 0.0, 12.5 if code == "IT" else 0.0)
            row_id = self.uid()
            rows.append({
                "id": row_id, "name": name, "acronym": acronym, "membership": membership, "org_type": org_type,
                "college": college, "country": code, "region": self.region(code), "city": city,
                "latitude": lat, "longitude": lon, "website": website, "email": email,
                "joined_on": self.date_between(dt.date(2015, 12, 1), dt.date(2025, 6, 1)).isoformat(),
                "notes": self.rng.choice(ORG_NOTES)[lang] if self.rng.random() < 0.35 else None,
            })
            self.orgs_by_country.setdefault(code, []).append(len(self.orgs))
            self.orgs.append((row_id, code, acronym or name))
        return rows

    def _org_name(self, org_type: str, c: tuple, city: str, lang: int) -> str:
        template = self.rng.choice(ORG_NAMES[org_type])[lang]
        crop = CROPS[self.rng.choice(c[4])][lang]
        if lang == EN:
            crop = crop.title()  # "Pearl Millet Growers' Union"
        surname = self.rng.choice(NAMES[c[11]][2])
        region = self.catalog.label("region", self.region(c[0]), LANGS[lang])
        return _say(template, lang, city=city, place=self.rng.choice(c[3]), crop=crop, de_crop=_de(crop), surname=surname,
                    word=self.rng.choice(ORG_WORDS)[lang], country=self.country_name(c[0], lang), region=region)

    # -- contacts
    def contacts_rows(self) -> list[dict]:
        n = max(1, self.scale // 2)
        rows = []
        for _i in range(n):
            org_index = self.rng.randrange(len(self.orgs))
            org_id, code, short = self.orgs[org_index]
            c = self.by_code.get(code) or self.country()
            code = c[0]
            name, gender = self.person(c[11])
            lang = c[1]
            parts = name.split()
            email = f"{_fold(parts[0])}.{_fold(''.join(parts[1:]))}@{_fold(short)[:16] or 'mail'}.org"
            langs = [LANGS[lang]] + (["en"] if lang != EN and self.rng.random() < 0.5 else []) + (["fr"] if lang == EN and self.rng.random() < 0.15 else [])
            row_id = self.uid()
            region = self.region(code)
            rows.append({
                "id": row_id, "full_name": name, "organisation_id": org_id, "role": self.rng.choice(ROLES)[lang],
                "email": email, "phone": f"{c[12]} {self.rng.randrange(10, 99)} {self.rng.randrange(100, 999)} {self.rng.randrange(10, 99)} {self.rng.randrange(10, 99)}",
                "languages": langs, "gender": gender, "country": code, "region": region,
                "notes": None,
            })
            self.contacts_by_region.setdefault(region or "", []).append(len(self.contacts))
            self.contacts.append((row_id, name, gender))
        return rows

    # -- practices
    def practice_slots(self, c: tuple, family: str) -> dict:
        rng = self.rng
        return {"crop": rng.choice(c[4]), "tree": rng.choice(c[5]), "cover": rng.randrange(len(COVERS)),
                "amend": rng.randrange(len(AMENDMENTS)), "place": rng.choice(c[3]), "soil": rng.choice(c[7]),
                "zone": rng.choice(c[6])}

    def render(self, template: str, c: tuple, s: dict, lang: int, **extra: Any) -> str:
        crop = CROPS[s["crop"]][lang]
        tree = TREES[s["tree"]][lang]
        amend = AMENDMENTS[s["amend"]][lang]
        loc = self.loc(c, s["place"], lang)
        values = {
            "crop": crop, "de_crop": _de(crop), "tree": tree, "de_tree": _de(tree), "cover": COVERS[s["cover"]][lang],
            "amend": amend, "de_amend": _de(amend), "de_amend2": ("à l'" if amend[:1] in "aeiouéh" else "au ") + amend,
            "place": s["place"], "loc": loc, "loc_cap": loc[:1].upper() + loc[1:],
            "soil": self.catalog.label("soil_group", s["soil"], LANGS[lang]),
            "climate": CLIMATE_WORDS.get(s["zone"], ("temperate", "tempéré", "templado"))[lang],
        } | extra
        text = template.format(**values)
        if lang != EN:
            text = _fix_articles(text, lang, (values["crop"], values["tree"], values["amend"]))
        return text[:1].upper() + text[1:]

    def practices(self) -> list[dict]:
        rng = self.rng
        rows = []
        n = self.scale
        org_count = len(self.orgs)
        for _i in range(n):
            c = self.country()
            lang = c[1] if rng.random() < 0.85 else rng.randrange(3)
            family = rng.choice(FAMILY_NAMES)
            land_uses, measures, degradation, titles = FAMILIES[family]
            s = self.practice_slots(c, family)
            t_index = rng.randrange(len(titles))
            title = self.render(titles[t_index][lang], c, s, lang)
            title = title[:1].upper() + title[1:]
            years = rng.randrange(2, 12)
            soc = round(max(-0.5, min(3.0, rng.gauss(0.45, 0.4))), 2)
            s0 = round(rng.uniform(18, 85), 1)
            s1 = round(s0 + soc * years, 1)
            farmers = int(rng.lognormvariate(5, 1.4)) + 5
            area = round(farmers * rng.uniform(0.3, 4.0), 1)
            org_pool = self.orgs_by_country.get(c[0])
            org_index = rng.choice(org_pool) if org_pool and rng.random() < 0.8 else rng.randrange(org_count)
            org_name = self.orgs[org_index][2]
            extra = {"years": years, "soc": _num(soc, lang), "s0": _num(s0, lang), "s1": _num(s1, lang),
                     "pct": rng.randrange(5, 60), "farmers": farmers, "farmers_small": rng.randrange(8, 40), "area": _num(area, lang),
                     "org": org_name, "family": FAMILY_ADJ[family][lang], "title_cap": title}
            how = HOW[family]
            sentences = [self.render(rng.choice(CONTEXT)[lang], c, s, lang, **extra),
                         self.render(how[0][lang], c, s, lang, **extra), self.render(how[1][lang], c, s, lang, **extra),
                         self.render(rng.choice(EVIDENCE)[lang], c, s, lang, **extra),
                         self.render(rng.choice(CONSTRAINTS)[lang], c, s, lang, **extra)]
            picked = rng.sample(RESULTS, 3)
            results = " ".join(self.render(r[lang], c, s, lang, **extra) for r in ([RESULTS[0]] + picked if RESULTS[0] not in picked else picked))
            summary_t = rng.choice(SUMMARY)
            summary = self.render(summary_t[lang], c, s, lang, **extra)
            translations = None
            if rng.random() < 0.15:
                other = rng.choice([x for x in range(3) if x != lang])
                t_title = self.render(titles[t_index][other], c, s, other)
                t_extra = extra | {"family": FAMILY_ADJ[family][other], "title_cap": t_title[:1].upper() + t_title[1:],
                                   "soc": _num(soc, other), "s0": _num(s0, other), "s1": _num(s1, other), "area": _num(area, other)}
                translations = {f"title_{LANGS[other]}": t_extra["title_cap"],
                                f"summary_{LANGS[other]}": self.render(summary_t[other], c, s, other, **t_extra)}
            status = self.pick(REVIEW_WEIGHTS)
            lat, lon = self.point(c)
            row_id = self.uid()
            region = self.region(c[0])
            land_use = rng.choice(land_uses)
            rows.append({
                "id": row_id, "title": title, "summary": summary, "description": " ".join(sentences),
                "family": family, "conceptual_basis": rng.choice(("field_experience", "scientific", "both", "both")),
                "results": results,
                "soc_impact": self.pick(SCORE_WEIGHTS), "soil_health_impact": self.pick(SCORE_WEIGHTS),
                "yield_impact": self.pick(SCORE_WEIGHTS), "adaptation_impact": self.pick(SCORE_WEIGHTS),
                "soc_change": soc if rng.random() < 0.7 else None, "land_use": land_use,
                "slm_measures": list(measures[: rng.randrange(1, len(measures) + 1)]),
                "degradation": rng.sample(degradation, rng.randrange(1, len(degradation) + 1)),
                "climate_zone": s["zone"], "soil_group": s["soil"], "country": c[0], "region": region,
                "location": f"{s['place']}, {self.country_name(c[0], lang)}", "latitude": lat, "longitude": lon,
                "area_ha": area, "farmers": farmers,
                "adoption": ("single_land_user" if farmers < 10 else "less_than_10_percent" if farmers < 500
                             else rng.choice(("10_to_50_percent", "more_than_50_percent"))),
                "establishment_cost": round(rng.uniform(20, 900), 0) if rng.random() < 0.6 else None,
                "maintenance_cost": round(rng.uniform(5, 300), 0) if rng.random() < 0.5 else None,
                "currency": c[10] if rng.random() < 0.5 else "USD",
                "links": [f"https://wocat.net/en/database/technologies/{rng.randrange(1000, 9999)}"] if rng.random() < 0.2 else None,
                "organisation_id": self.orgs[org_index][0], "language": LANGS[lang], **(translations or {}),
                "objectives": ["B2"] + (["A3"] if rng.random() < 0.4 else []) + (["C2"] if rng.random() < 0.3 else []),
                "review_status": status,
                "review_comment": rng.choice(RETURN_COMMENTS)[lang] if status == "returned" else None,
            })
            self.practices_by_region.setdefault(region or "", []).append(row_id)
        return rows

    # -- projects
    def projects(self) -> list[dict]:
        rng = self.rng
        rows = []
        for _i in range(max(1, self.scale // 20)):
            c = self.country()
            lang = c[1]
            family = rng.choice(FAMILY_NAMES)
            s = self.practice_slots(c, family)
            fam = [self.catalog.label("practice_family", family, LANGS[x]).lower() for x in range(3)]
            fr_art, es_art = FAMILY_ARTICLES[family]
            fr_de = {"le": "du ", "les": "des ", "la": "de la ", "l'": "de l'"}[fr_art]
            es_de = {"el": "del ", "los": "de los ", "la": "de la ", "las": "de las "}[es_art]
            extra = {"family": fam[EN], "family_fr": fr_art + ("" if fr_art == "l'" else " ") + fam[FR], "family_fr_de": fr_de + fam[FR],
                     "family_es": f"{es_art} {fam[ES]}", "family_es_de": es_de + fam[ES],
                     "farmers": rng.randrange(50, 5000), "area": rng.randrange(20, 8000), "soc": _num(round(rng.uniform(0.1, 1.2), 2), lang)}
            title = self.render(rng.choice(PROJECT_TITLES)[lang], c, s, lang, **extra)
            year = rng.randrange(2018, 2026)
            status = self.pick(PROJECT_STATUS_WEIGHTS)
            start = dt.date(year + 1, rng.randrange(1, 13), 1)
            holder_pool = self.orgs_by_country.get(c[0])
            holder = self.orgs[rng.choice(holder_pool)][0] if holder_pool else self.orgs[rng.randrange(len(self.orgs))][0]
            rows.append({
                "id": self.uid(), "title": title[:1].upper() + title[1:], "holder_id": holder, "country": c[0],
                "region": self.region(c[0]), "status": status, "call_year": year,
                "start_date": start.isoformat() if status in ("approved", "ongoing", "completed") else None,
                "end_date": (start + dt.timedelta(days=365 * rng.randrange(2, 6))).isoformat() if status in ("ongoing", "completed") else None,
                "budget": float(rng.randrange(20, 2000) * 1000), "currency": rng.choice(("EUR", "USD", c[10])),
                "summary": " ".join(self.render(t[lang], c, s, lang, **extra) for t in PROJECT_SUMMARY),
                "objectives": sorted({"A2", rng.choice(("B2", "C2", "E1", "D2", "A5"))}), "language": LANGS[lang],
            })
        return rows

    # -- meetings and their parts
    def meetings(self) -> dict[str, list[dict]]:
        rng = self.rng
        out: dict[str, list[dict]] = {k: [] for k in ("meeting", "meeting_participant", "agenda_item", "decision", "action_item", "meeting_practice")}
        n = max(1, self.scale // 50)
        for i in range(n):
            if i < len(FLAGSHIP_MEETINGS):
                m = dict(FLAGSHIP_MEETINGS[i])
                lang = m.pop("lang")
                code = m["country"]
                c = self.by_code.get(code)
                city = m["place"].split(",")[-1].split("(")[0].strip()
                topic = rng.choice(TOPICS)
            else:
                c = self.country()
                code, lang = c[0], c[1]
                mtype = self.pick(MEETING_TYPES)
                city = rng.choice(c[3])
                topic = rng.choice(TOPICS)
                start = self.date_between(dt.date(2016, 1, 10), dt.date(2026, 3, 1))
                days = {"regional_meeting": 3, "workshop": 2, "field_visit": 1, "webinar": 0, "stc_meeting": 1, "consortium_meeting": 0}[mtype]
                region_label = self.catalog.label("region", self.region(code), LANGS[lang])
                title = _say(MEETING_TITLES[mtype][lang], lang, region=region_label, city=city, year=start.year, topic=topic[lang])
                m = {"title": title[:1].upper() + title[1:], "meeting_type": mtype, "starts_on": start.isoformat(),
                     "ends_on": (start + dt.timedelta(days=rng.randrange(days + 1))).isoformat(),
                     "place": "online" if mtype == "webinar" else city, "country": code,
                     "organisers": "; ".join(sorted({self.orgs[j][2] for j in rng.sample(self.orgs_by_country.get(code) or [0], min(2, len(self.orgs_by_country.get(code) or [0])))})),
                     "summary": rng.choice(MEETING_SUMMARY)[lang].format(topic=topic[lang]),
                     "objectives": ["D2"] + (["A3"] if rng.random() < 0.5 else [])}
            meeting_id = self.uid()
            region = self.region(code)
            m |= {"id": meeting_id, "region": region, "language": LANGS[lang]}
            out["meeting"].append(m)
            ends = dt.date.fromisoformat(m["ends_on"] or m["starts_on"])
            pool_key = c[11] if c else "anglo"
            # participants: registered contacts of the region first, typed names for the rest
            local = self.contacts_by_region.get(region or "", [])
            people = []
            for _p in range(rng.randrange(10, 41)):
                if local and rng.random() < 0.6:
                    cid, name, gender = self.contacts[rng.choice(local)]
                    people.append((cid, name))
                    org_name = None
                else:
                    name, gender = self.person(pool_key)
                    cid = None
                    org_name = self.orgs[rng.randrange(len(self.orgs))][2]
                out["meeting_participant"].append({
                    "id": self.uid(), "meeting_id": meeting_id, "contact_id": cid, "name": name, "organisation_name": org_name,
                    "gender": gender, "age_group": self.pick(AGE_WEIGHTS)})
            agenda_ids = []
            for pos, item in enumerate([AGENDA[0]] + rng.sample(AGENDA[1:-1], rng.randrange(2, 7)) + [AGENDA[-1]], start=1):
                aid = self.uid()
                agenda_ids.append(aid)
                out["agenda_item"].append({
                    "id": aid, "meeting_id": meeting_id, "position": pos, "title": item[lang],
                    "discussion": rng.choice(DISCUSSION)[lang].format(topic=topic[lang]) if rng.random() < 0.6 else None})
            fmt = {"year": ends.year + 1, "n": rng.randrange(3, 40), "m": rng.randrange(1, 10), "topic": topic[lang],
                   "city": rng.choice(c[3]) if c else city, "country": self.country_name(code, lang)}
            for text in rng.sample(DECISIONS, rng.randrange(2, 7)):
                out["decision"].append({
                    "id": self.uid(), "meeting_id": meeting_id, "agenda_item_id": rng.choice(agenda_ids[1:-1] or agenda_ids),
                    "text": _say(text[lang], lang, **fmt), "outcome": self.pick(OUTCOME_WEIGHTS)})
            for text in rng.sample(ACTIONS, rng.randrange(2, 8)):
                due = ends + dt.timedelta(days=rng.randrange(14, 180))
                if due < TODAY:
                    status = rng.choice(("done", "done", "done", "in_progress", "open", "cancelled"))
                else:
                    status = rng.choice(("open", "open", "in_progress"))
                owner = rng.choice(people) if people and rng.random() < 0.7 else None
                out["action_item"].append({
                    "id": self.uid(), "meeting_id": meeting_id, "text": _say(text[lang], lang, **fmt),
                    "owner_contact_id": owner[0] if owner else None,
                    "owner_name": owner[1] if owner else self.person(pool_key)[0], "due_on": due.isoformat(), "status": status})
            captured = self.practices_by_region.get(region or "", [])
            for pid in rng.sample(captured, min(len(captured), rng.randrange(1, 9))):
                who = rng.choice(people)[1] if people else self.person(pool_key)[0]
                out["meeting_practice"].append({
                    "id": self.uid(), "meeting_id": meeting_id, "practice_id": pid,
                    "note": rng.choice(CAPTURE_NOTES)[lang].format(name=who)})
        return out


def generate_rows(*, scale: int, seed: int = 1) -> dict[str, list[dict]]:
    """The demo world as entity name -> rows (each with its own deterministic `id`), in
    schema order: about `scale` practices, scale/5 organisations, scale/2 contacts,
    scale/20 projects and scale/50 meetings with their participants, agenda, decisions,
    actions and captured practices. Same scale and seed, same rows."""
    g = _Generator(scale, seed)
    rows: dict[str, list[dict]] = {"organisation": g.organisations()}
    rows["contact"] = g.contacts_rows()
    rows["practice"] = g.practices()
    rows["project"] = g.projects()
    rows.update(g.meetings())
    return rows


def generate(store: Any, *, scale: int, seed: int = 1, progress: Progress | None = None,
             submissions: bool = True) -> dict[str, int]:
    """Write the demo world into `store` on its fast path (already clean values, nothing
    queued for sync: a demo server is seeded with the same rows). Returns rows written
    per entity. `progress(entity, done, total)` is called as each chunk lands.
    `submissions=False` leaves out the draft submissions, which only this store would
    hold (a demo server is seeded with `generate_rows`, which has none)."""
    from fieldapp.core.schema import ENTITIES

    rows = generate_rows(scale=scale, seed=seed)
    if submissions:
        rows.update(_submissions(store, rows.get("project", []), scale, seed))
    counts: dict[str, int] = {}
    chunk = 10_000
    for e in ENTITIES:
        batch = rows.pop(e.name, None)
        if not batch:
            continue
        done = 0
        for start in range(0, len(batch), chunk):
            part = batch[start:start + chunk]
            store.bulk_insert(e.name, part, outbox=False, validated=True)
            done += len(part)
            if progress:
                progress(e.name, done, len(batch))
        counts[e.name] = done
    return counts


def _submissions(store: Any, projects: list[dict], scale: int, seed: int) -> dict[str, list[dict]]:
    """A few draft submissions of the published form templates the store already holds
    (answers left empty: their format belongs to the form definitions)."""
    definitions = store.records("form_definition") if projects else []
    if not definitions:
        return {}
    rng = random.Random(seed * 7919 + 1)
    rows = []
    for i in range(max(1, scale // 200)):
        d = definitions[i % len(definitions)]
        p = rng.choice(projects)
        rows.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "definition_id": d["id"], "form_id": d["form_id"],
                     "form_version": d["version"], "title": f"{d['title']} — {p['title']}"[:500], "project_id": p["id"],
                     "country": p["country"], "region": p["region"], "answers": {}, "status": "draft",
                     "review_state": None, "review_comment": None})
    return {"form_submission": rows}
