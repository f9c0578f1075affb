"""Demo data for challenges: realistic challenges of four cities in every state of the workflow.

Every challenge is written and moved with the real services and the workflow
engine, so the audit trail, the emails and the dialogue records are what real
use would leave behind. Moves that need time to pass (an event that has been
held, a deadline that has gone) are made by setting the dates into the past
first ("time travel"), each recorded in the audit log. Safe to run again: a
challenge whose Finnish title already exists in its city is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from auth.demo import ensure_cities
from auth.models import Organisation, User
from challenges.models import Challenge, ChallengeState, DialogueEvent, MeetingSlot, Question
from challenges.ownership import add_partner, owned_by
from challenges.services import challenges as editor
from challenges.services import dialogue
from challenges.services.criteria import replace_criteria
from challenges.services.following import follow_challenge, save_subscriptions
from challenges.services.sites import save_sites
from challenges.services.themes import ensure_themes
from challenges.workflow import DIRECT, WITH_DIALOGUE
from core import audit
from core.extensions import db
from core.i18n import helsinki_to_utc, to_helsinki
from core.models import utcnow

S = ChallengeState

# Who runs and who decides in each city.
CITY_STAFF = {
    "helsinki": ("officer.helsinki@example.com", "decision.helsinki@example.com"),
    "tampere": ("officer.tampere@example.com", "decision.tampere@example.com"),
    "espoo": ("officer.espoo@example.com", "decision.espoo@example.com"),
    "oulu": ("officer.oulu@example.com", "decision.oulu@example.com"),
}
COMPANY_ACCOUNTS = (("company@example.com", "ruokaviisas"), ("company2@example.com", "kiertotalo"))

SCALE = ["Ei käsitelty lainkaan", "Heikko: merkittäviä puutteita", "Tyydyttävä: joitakin puutteita", "Hyvä",
         "Erittäin hyvä", "Erinomainen: selvästi odotuksia parempi"]
CRITERIA = [
    {"name": "Ratkaisun soveltuvuus haasteeseen", "weight": 40, "min_score": 2, "scale": SCALE,
     "description": "Kuinka hyvin ratkaisu vastaa tarpeeseen ja loppukäyttäjien arkeen.",
     "name_sv": "Lämplighet för utmaningen",
     "description_sv": "Hur väl lösningen svarar mot behovet och slutanvändarnas vardag.",
     "name_en": "Fit to the challenge",
     "description_en": "How well the solution meets the need and the end users' everyday life."},
    {"name": "Kokeilusuunnitelman toteutettavuus", "weight": 25, "min_score": None, "scale": SCALE,
     "description": "Aikataulu, resurssit ja riskit: onko kokeilu tehtävissä todellisessa ympäristössä?",
     "name_sv": "Pilotplanens genomförbarhet",
     "description_sv": "Tidplan, resurser och risker: går piloten att genomföra i en verklig miljö?",
     "name_en": "Feasibility of the pilot plan",
     "description_en": "Schedule, resources and risks: can the pilot be run in a real setting?"},
    {"name": "Tiimin osaaminen", "weight": 20, "min_score": None, "scale": SCALE,
     "description": "Tiimin kokemus vastaavista kokeiluista ja kyky viedä kokeilu läpi.",
     "name_sv": "Teamets kompetens",
     "description_sv": "Teamets erfarenhet av liknande pilotprojekt och förmåga att genomföra piloten.",
     "name_en": "Team and competence",
     "description_en": "The team's experience of similar pilots and its capacity to see the pilot through."},
    {"name": "Vaikuttavuus ja skaalautuvuus", "weight": 15, "min_score": None, "scale": SCALE,
     "description": "Odotetut hyödyt ja mahdollisuus laajentaa ratkaisua muihin yksiköihin ja kaupunkeihin.",
     "name_sv": "Effekt och skalbarhet",
     "description_sv": "Förväntad nytta och möjligheten att utvidga lösningen till andra enheter och städer.",
     "name_en": "Impact and potential to scale",
     "description_en": "Expected benefits and the chance to extend the solution to other units and cities."},
]


# --- dates relative to today, on the Helsinki clock ------------------------------------------

def _day(days: int) -> date:
    """Today's Helsinki date moved by days."""
    return to_helsinki(utcnow()).date() + timedelta(days=days)


def _at(days: int, hour: int) -> datetime:
    """A Helsinki wall-clock hour, days from today, as aware UTC."""
    return helsinki_to_utc(datetime.combine(_day(days), time(hour)))


def _schedule(proposals: int, questions: int, dialogue_days: tuple[int, int] | None = None,
              pilot: tuple[int, int] | None = None) -> dict[str, Any]:
    """A complete schedule in order: dialogue, questions, proposals, selection, pilots (days from today)."""
    start, end = pilot or (proposals + 35, proposals + 160)
    return {
        "dialogue_starts_at": _at(dialogue_days[0], 9) if dialogue_days else None,
        "dialogue_ends_at": _at(dialogue_days[1], 16) if dialogue_days else None,
        "questions_close_at": _at(questions, 16), "proposals_close_at": _at(proposals, 16),
        "selection_on": _day(proposals + 14), "pilot_starts_on": _day(start), "pilot_ends_on": _day(end),
    }


# --- what the demo challenges are ------------------------------------------------------------

@dataclass
class DialogueScript:
    """What happens in a challenge's market dialogue."""

    event_title: str
    place: str
    questions: list[tuple[int, str, str]]  # (company index, question, answer)
    rfi: list[str]
    rfi_answers: list[str]
    event_minutes: str = ""
    meeting_minutes: str = ""
    synthesis: str = ""
    summary: str = ""
    changes: str = ""
    swedish: dict[str, str] = field(default_factory=dict)  # event_title, summary, changes in Swedish


@dataclass
class DemoChallenge:
    """One demo challenge: its texts, sites and money, its schedules, and the state it is taken to."""

    city: str
    target: ChallengeState
    variant: str
    texts: dict[str, str]
    themes: tuple[str, ...]
    sites: list[dict[str, str]]
    budget: dict[str, Any]
    live: dict[str, Any]  # the schedule while it is prepared and in dialogue (future deadlines)
    call: dict[str, Any] | None = None  # the schedule when the call opens after a dialogue
    history: dict[str, Any] | None = None  # the schedule after "time travel", for closed and later states
    dialogue: DialogueScript | None = None
    questions: list[tuple[int, str, str]] = field(default_factory=list)  # Q&A while the call is open
    decision: str = ""  # the reasoned comment of award, unsuccessful or cancel
    partners: dict[str, Decimal | None] = field(default_factory=dict)  # partner city slug: its budget share


def _budget(per_pilot: int, pilots: int, details: str, *, data: bool = False) -> dict[str, Any]:
    """A paid pilot budget (euros, VAT 0) with what the city offers."""
    return {"pilot_kind": "paid", "max_per_pilot": Decimal(per_pilot),
            "total_budget": Decimal(per_pilot * pilots), "pilot_count": pilots, "compensation": "fixed",
            "offers_site_access": True, "offers_facilitation": True, "offers_data": data,
            "offers_compensation": True, "offer_details": details}


def _site(name: str, kind: str, address: str, host: str | None = None, email: str | None = None) -> dict:
    """A pilot site row as the editor's save_sites takes it: an email of an account links it, others are invited."""
    return {"id": None, "name": name, "kind": kind, "address": address, "host_name": host,
            "host_email": email}


FOOD_WASTE_DIALOGUE = DialogueScript(
    event_title="Infotilaisuus: ruokahävikki koulujen ruokaloissa",
    place="Helsingin kaupungintalo, Pohjoisesplanadi 11–13",
    questions=[
        (0, "Voiko pilotissa käyttää ruokalan kameroita hävikin tunnistamiseen, jos oppilaat eivät "
            "näy kuvassa?",
         "Kyllä, kunhan kuvissa ei näy henkilöitä ja kuvat käsitellään koulun tiloissa. "
         "Tietosuojasuunnitelma hyväksytetään ennen pilotin alkua."),
        (1, "Saako pilotti yhdistää hävikkitiedot ruokalistoihin?",
         "Saa. Ruokalistat ja annosmäärät ovat avointa dataa, ja Palvelukeskus toimittaa ne pilotille "
         "viikoittain."),
    ],
    rfi=["Millaisia mittausmenetelmiä hävikin seurantaan on markkinoilla?",
         "Mikä olisi realistinen pilotin kesto ja hinta yhdessä koulussa?"],
    rfi_answers=["Vaa'at linjastolla ja konenäkö palautuspisteessä.",
                 "Kolme kuukautta, 15 000–20 000 euroa."],
    event_minutes="Tilaisuuteen osallistui 14 yritystä. Käytiin läpi haaste, pilottikoulut ja aikataulu. "
                  "Kysymykset vastauksineen julkaistaan kysymys–vastaus-osiossa.",
    meeting_minutes="Keskusteltiin vaakaratkaisun asentamisesta linjastoon ja keittiön työnkulusta.",
    synthesis="Vastauksia saatiin kuudelta yritykseltä. Markkinoilla on sekä vaakoihin että konenäköön "
              "perustuvia ratkaisuja; useimmat ehdottivat kolmen kuukauden pilottia.",
    summary="Markkinavuoropuhelussa kävi ilmi, että hävikkiä voi mitata luotettavasti ilman henkilötietoja.",
    changes="Pilotin kestoksi muutettiin kolme kuukautta ja budjettia nostettiin 20 000 euroon "
            "pilottia kohden.",
    swedish={"event_title": "Informationsmöte: matsvinn i skolmatsalar",
             "summary": "Marknadsdialogen visade att svinnet kan mätas tillförlitligt utan personuppgifter.",
             "changes": "Pilotens längd ändrades till tre månader och budgeten höjdes till 20 000 euro per "
                        "pilot."},
)

LIBRARY_DIALOGUE = DialogueScript(
    event_title="Työpaja: kirjastotilojen käytön mittaaminen",
    place="Keskustakirjasto Oodi, Töölönlahdenkatu 4",
    questions=[(0, "Saako pilotissa asentaa kattoon uusia antureita?",
                "Saa, kiinteistön kanssa sovittuihin paikkoihin. Asennukset puretaan pilotin jälkeen.")],
    rfi=["Miten tilojen käyttöastetta voi mitata tunnistamatta ihmisiä?"],
    rfi_answers=["Lämpöanturit ja ovilaskurit riittävät käyttöasteen mittaamiseen."],
    event_minutes="Työpajassa ideoitiin mittaamista yhdessä kirjaston henkilökunnan kanssa.",
    meeting_minutes="Yritys esitteli anturiratkaisunsa; keskusteltiin tietoturvasta.",
    synthesis="Neljä yritystä vastasi. Anonyymit anturit ja ovilaskurit nähtiin riittävinä.",
    summary="Käyttöastetta voidaan mitata ilman kameroita; kirjasto haluaa avoimen rajapinnan tietoihin.",
    changes="Vaatimukseksi lisättiin avoin rajapinta ja kameroiden käyttö rajattiin pois.",
    swedish={"event_title": "Workshop: att mäta hur bibliotekslokalerna används",
             "summary": "Användningsgraden kan mätas utan kameror; biblioteket vill ha ett öppet gränssnitt "
                        "till uppgifterna.",
             "changes": "Ett öppet gränssnitt blev ett krav och kameror uteslöts."},
)

PLAYGROUND_DIALOGUE = DialogueScript(
    event_title="Infotilaisuus: liikettä välitunneille",
    place="Kasvatuksen ja koulutuksen toimiala, Töysänkatu 2 D",
    questions=[(1, "Voiko ratkaisu olla mobiilisovellus, jos kaikilla oppilailla ei ole puhelinta?",
                "Ratkaisun täytyy toimia myös ilman oppilaan omaa puhelinta, esimerkiksi koulun "
                "laitteilla.")],
    rfi=["Millaisia ratkaisuja välituntiliikunnan lisäämiseen olette kokeilleet?"],
    rfi_answers=["Pihapelit, joissa on interaktiivisia merkintöjä ja ääniohjausta."],
)


CHALLENGES: list[DemoChallenge] = [
    DemoChallenge(
        "helsinki", S.COMPLETED, WITH_DIALOGUE,
        {"title_fi": "Ruokahävikin vähentäminen koulujen ruokaloissa",
         "title_sv": "Minskat matsvinn i skolmatsalar", "title_en": "Reducing food waste in school canteens",
         "summary_fi": "Helsingin koulujen ruokaloissa jää päivittäin syömättä satoja kiloja ruokaa. Etsimme "
                       "ratkaisuja, joilla hävikki mitataan ja sitä saadaan vähennettyä.",
         "summary_sv": "I Helsingfors skolmatsalar blir hundratals kilo mat över varje dag. Vi söker "
                       "lösningar som mäter och minskar matsvinnet.",
         "summary_en": "Hundreds of kilos of food are left uneaten in Helsinki's school canteens every "
                       "day. We are looking for ways to measure and reduce the waste.",
         "problem": "Koulujen ruokaloissa syntyy **lautas-, linjasto- ja valmistushävikkiä**. Hävikkiä ei "
                    "mitata järjestelmällisesti, joten vähentämistoimien vaikutusta ei tiedetä.",
         "end_users": "Oppilaat, keittiöhenkilökunta ja ruokapalveluiden suunnittelijat.",
         "problem_sv": "I skolmatsalarna uppstår **tallriks-, linje- och tillagningssvinn**. Svinnet mäts inte "
                       "systematiskt, så man vet inte hur åtgärderna verkar.",
         "end_users_sv": "Elever, kökspersonal och måltidsplanerare.",
         "problem_en": "School canteens produce **plate, serving-line and kitchen waste**. It is not measured "
                       "systematically, so nobody knows whether efforts to reduce it work.",
         "end_users_en": "Pupils, kitchen staff and meal planners."},
        ("circular-economy", "learning"),
        # The first site's contact person has the demo account; the second one is invited.
        [_site("Kallion ala-aste", "school", "Porvoonkatu 2, Helsinki", "Riikka Rehtori", "host@example.com"),
         _site("Vuosaaren lukio", "school", "Kallvikintie 1, Helsinki", "Ville Vararehtori",
               "ville.vararehtori@example.com")],
        _budget(20000, 2, "Kaupunki tarjoaa pääsyn kahteen koulukeittiöön ja ruokalistatiedot."),
        live=_schedule(50, 40, (-5, 20)), call=_schedule(25, 18, (-45, -3)),
        history=_schedule(-300, -307, (-360, -320), pilot=(-260, -120)),
        dialogue=FOOD_WASTE_DIALOGUE,
        decision="Pilotit myönnettiin kahdelle parhaat pisteet saaneelle ehdotukselle.",
    ),
    DemoChallenge(
        "helsinki", S.MARKET_DIALOGUE, WITH_DIALOGUE,
        {"title_fi": "Liikettä välitunneille", "title_en": "More movement during school breaks",
         "title_sv": "Mer rörelse under rasterna",
         "summary_fi": "Haemme ratkaisuja, jotka saavat alakoululaiset liikkumaan välitunneilla.",
         "summary_sv": "Vi söker lösningar som får lågstadieelever att röra på sig under rasterna.",
         "summary_en": "We look for ways to get primary school pupils moving during breaks.",
         "problem_sv": "Bara en tredjedel av lågstadieeleverna rör sig enligt rekommendationerna. Rasterna är "
                       "ett naturligt tillfälle att röra sig mer.",
         "end_users_sv": "Elever och lärare i lågstadiet.",
         "problem": "Vain kolmannes alakoululaisista liikkuu suositusten mukaan. Välitunnit ovat luonteva "
                    "hetki lisätä liikettä.",
         "end_users": "Alakoulujen oppilaat ja opettajat."},
        ("learning", "health-and-wellbeing"),
        [_site("Pihlajamäen ala-aste", "school", "Meripihkatie 1, Helsinki")],
        _budget(15000, 3, "Koulujen pihat ja liikunnanopettajien tuki."),
        live=_schedule(50, 40, (-5, 20)), dialogue=PLAYGROUND_DIALOGUE,
    ),
    DemoChallenge(
        "helsinki", S.OPEN, WITH_DIALOGUE,
        {"title_fi": "Kirjastotilojen käyttöasteen seuranta",
         "title_sv": "Uppföljning av bibliotekslokalernas användning",
         "title_en": "Measuring how library spaces are used",
         "summary_fi": "Kirjastot haluavat tietää, mitä tiloja käytetään ja milloin, jotta aukioloajat ja "
                       "kalustus vastaisivat käyttäjien tarpeita.",
         "summary_en": "Libraries want to know which spaces are used and when, to match opening hours and "
                       "furniture to their users' needs.",
         "problem": "Tilojen käytöstä on vain kävijälaskurien kokonaismäärät.",
         "end_users": "Kirjastojen asiakkaat ja henkilökunta.",
         "summary_sv": "Biblioteken vill veta vilka utrymmen som används och när, så att öppettider och "
                       "möblering motsvarar användarnas behov.",
         "problem_sv": "Om användningen av lokalerna finns bara besöksräknarnas totalsiffror.",
         "end_users_sv": "Bibliotekens kunder och personal.",
         "problem_en": "All that is known of how the spaces are used is the visitor counters' totals.",
         "end_users_en": "Library customers and staff."},
        ("learning",),
        [_site("Keskustakirjasto Oodi", "library", "Töölönlahdenkatu 4, Helsinki"),
         _site("Itäkeskuksen kirjasto", "library", "Turunlinnantie 1, Helsinki")],
        _budget(25000, 2, "Pääsy kirjastojen tiloihin ja kävijälaskurien historiatietoihin.", data=True),
        live=_schedule(50, 40, (-5, 20)), call=_schedule(25, 18, (-45, -3)), dialogue=LIBRARY_DIALOGUE,
        partners={"espoo": Decimal(20000)},  # a joint challenge: Helsinki leads, Espoo pays its share
    ),
    DemoChallenge(
        "tampere", S.OPEN, DIRECT,
        {"title_fi": "Älykäs talvikunnossapito kevyen liikenteen väylillä",
         "title_en": "Smart winter maintenance of cycle and pedestrian paths",
         "summary_fi": "Tampere etsii keinoja ennakoida liukkautta ja kohdentaa hiekoitus oikeaan aikaan.",
         "summary_en": "Tampere looks for ways to predict slippery conditions and time gritting right.",
         "problem": "Liukastumistapaturmia sattuu talvisin satoja. Hiekoitus tehdään reittijärjestyksessä.",
         "end_users": "Jalankulkijat, pyöräilijät ja kunnossapidon urakoitsijat."},
        ("mobility", "health-and-wellbeing"),
        [_site("Hämeenkadun pyöräväylä", "street", "Hämeenkatu, Tampere")],
        _budget(30000, 1, "Pääsy kunnossapidon reittitietoihin ja sääasemien dataan.", data=True),
        live=_schedule(12, 5),
        questions=[(0, "Onko sääasemien data saatavilla rajapinnan kautta?",
                    "On. Rajapinnan kuvaus on liitteenä, ja tunnukset annetaan valituille yrityksille.")],
    ),
    DemoChallenge(
        "tampere", S.CLOSED, DIRECT,
        {"title_fi": "Puistojen roska-astioiden täyttöasteen seuranta",
         "summary_fi": "Anturit kertovat, milloin puiston roska-astia on tyhjennettävä.",
         "problem": "Roska-astiat tyhjennetään kiinteällä aikataululla: osa on täynnä, osa lähes tyhjiä.",
         "end_users": "Puistojen käyttäjät ja kunnossapito."},
        ("circular-economy",),
        [_site("Hatanpään puistokartano", "park", "Hatanpään puistokuja, Tampere")],
        _budget(12000, 2, "Asennusluvat puistoihin."),
        live=_schedule(30, 20), history=_schedule(-4, -12),
    ),
    DemoChallenge(
        "espoo", S.EVALUATION, WITH_DIALOGUE,
        {"title_fi": "Päiväkotien sisäilman laadun seuranta",
         "title_sv": "Uppföljning av inomhusluften i daghem",
         "summary_fi": "Jatkuva mittaus auttaa havaitsemaan sisäilmaongelmat ennen kuin lapset oireilevat.",
         "summary_sv": "Kontinuerlig mätning hjälper att upptäcka problem innan barnen får symtom.",
         "problem": "Sisäilmaongelmat havaitaan usein vasta oireiden perusteella.",
         "end_users": "Päiväkotien lapset, henkilökunta ja kiinteistöhuolto.",
         "problem_sv": "Problem med inomhusluften upptäcks ofta först när någon får symtom.",
         "end_users_sv": "Barn och personal i daghemmen samt fastighetsskötseln."},
        ("health-and-wellbeing",),
        [_site("Päiväkoti Satakieli", "daycare", "Kirkkojärventie 6, Espoo")],
        _budget(18000, 2, "Pääsy kiinteistöautomaation tietoihin."),
        live=_schedule(50, 40, (-5, 20)), call=_schedule(25, 18, (-45, -3)),
        history=_schedule(-20, -27, (-80, -40)), dialogue=DialogueScript(
            event_title="Infotilaisuus: sisäilma päiväkodeissa", place="Espoon valtuustotalo, Espoonkatu 5",
            questions=[(0, "Saako antureita kiinnittää seiniin?", "Saa, kiinteistöhuollon ohjeiden mukaan.")],
            rfi=["Mitä sisäilman suureita ratkaisunne mittaa?"], rfi_answers=["Hiilidioksidi, VOC, lämpö."],
            event_minutes="Läsnä 9 yritystä.", meeting_minutes="Käytiin läpi anturien sijoittelu.",
            synthesis="Yritykset mittaavat hiilidioksidia, VOC-yhdisteitä, lämpöä ja kosteutta.",
            summary="Markkinoilla on valmiita ratkaisuja; avoin rajapinta on tärkein vaatimus.",
            changes="Kriteereihin lisättiin rajapinnan avoimuus osaksi toteutettavuutta."),
    ),
    DemoChallenge(
        "espoo", S.AWARDED, DIRECT,
        {"title_fi": "Ikäihmisten etäliikuntapalvelu", "title_en": "Remote exercise for older people",
         "title_sv": "Distansmotion för äldre",
         "summary_fi": "Kotona asuville ikäihmisille ohjattua liikuntaa etäyhteydellä.",
         "summary_sv": "Handledd motion på distans för äldre som bor hemma.",
         "summary_en": "Guided exercise over video for older people living at home.",
         "problem": "Liikuntaryhmiin on jonoja, eikä kaikki pääse paikan päälle.",
         "end_users": "Kotona asuvat ikäihmiset ja kotihoito.",
         "problem_sv": "Det är kö till motionsgrupperna, och alla kan inte ta sig dit.",
         "end_users_sv": "Äldre som bor hemma och hemvården.",
         "problem_en": "Exercise groups have waiting lists, and not everyone can get there.",
         "end_users_en": "Older people living at home, and home care."},
        ("health-and-wellbeing",),
        [_site("Leppävaaran palvelukeskus", "health", "Läkkisepänkuja 4, Espoo")],
        _budget(20000, 1, "Kotihoidon ohjaajien tuki ja asiakasryhmät."),
        live=_schedule(30, 20), history=_schedule(-60, -67),
        decision="Ehdotus sai parhaat pisteet soveltuvuudesta ja toteutettavuudesta.",
    ),
    DemoChallenge(
        "oulu", S.UNSUCCESSFUL, DIRECT,
        {"title_fi": "Lumenkasauksen optimointi keskustassa",
         "summary_fi": "Miten lumi kasataan ja kuljetetaan pois niin, että kadut pysyvät kulkukelpoisina?",
         "problem": "Lumikasat kaventavat katuja ja pois kuljetus on kallista.",
         "end_users": "Keskustan asukkaat, yrittäjät ja urakoitsijat."},
        ("mobility", "climate"),
        [_site("Rotuaari", "street", "Kirkkokatu, Oulu")],
        _budget(25000, 1, "Pääsy urakoitsijoiden reittitietoihin."),
        live=_schedule(30, 20), history=_schedule(-45, -52),
        decision="Yksikään ehdotus ei ylittänyt soveltuvuuden vähimmäispisteitä.",
    ),
    DemoChallenge(
        "oulu", S.PILOTING, WITH_DIALOGUE,
        {"title_fi": "Turvallinen koulumatka pimeään aikaan", "title_en": "Safe walk to school in the dark",
         "summary_fi": "Oulun pimeinä aamuina koululaiset tarvitsevat näkyvämpiä ja turvallisempia reittejä.",
         "summary_en": "On Oulu's dark mornings, pupils need safer and more visible routes to school.",
         "problem": "Suojateiden valaistus on puutteellista ja autoilijat havaitsevat lapset myöhään.",
         "end_users": "Koululaiset, huoltajat ja autoilijat."},
        ("mobility", "learning"),
        [_site("Myllytullin koulu", "school", "Kasarmintie 11, Oulu"),
         _site("Tuiran puisto", "park", "Tuira, Oulu")],
        _budget(22000, 2, "Koulujen ja katuverkon käyttö pilottiin."),
        live=_schedule(50, 40, (-5, 20)), call=_schedule(25, 18, (-45, -3)),
        history=_schedule(-120, -127, (-190, -140), pilot=(-60, 60)), dialogue=DialogueScript(
            event_title="Yrityspäivä: turvallinen koulumatka", place="Oulun kaupungintalo, Kirkkokatu 2 A",
            questions=[(1, "Voiko pilotti koskea vain yhtä suojatietä?",
                        "Voi, mutta skaalautuvuus muihin kohteisiin arvioidaan.")],
            rfi=["Mitä teknologiaa ehdottaisitte suojateiden näkyvyyteen?"],
            rfi_answers=["Liiketunnistimella syttyvät valot ja heijastavat merkinnät."],
            event_minutes="Paikalla 11 yritystä ja koulujen edustajat.",
            meeting_minutes="Keskusteltiin valaistuksen sähköliitännöistä.",
            synthesis="Ehdotukset jakautuivat valaistukseen ja varoitusjärjestelmiin.",
            summary="Pilotti kohdistetaan koulujen lähellä oleviin suojateihin.",
            changes="Pilottikohteeksi lisättiin Tuiran puisto."),
        decision="Kaksi ehdotusta valittiin pilotoitavaksi kriteerien mukaisen pisteytyksen perusteella.",
    ),
    DemoChallenge(
        "tampere", S.CANCELLED, DIRECT,
        {"title_fi": "Uimahallien energiankulutuksen pienentäminen",
         "summary_fi": "Uimahallien lämmitys ja ilmanvaihto kuluttavat paljon energiaa.",
         "problem": "Energiankulutus on kasvanut, eikä kulutusta seurata laitekohtaisesti.",
         "end_users": "Uimahallien asiakkaat ja henkilökunta."},
        ("climate",),
        [_site("Kalevan uimahalli", "sports", "Sammonkatu 64, Tampere")],
        _budget(30000, 1, "Pääsy kiinteistöautomaatioon."),
        live=_schedule(40, 30),
        decision="Kaupunki aloittaa uimahallien peruskorjauksen, joka korvaa haasteen tarpeen.",
    ),
    DemoChallenge(
        "helsinki", S.DRAFT, DIRECT,
        {"title_fi": "Puistonpenkkien kunnon seuranta",
         "summary_fi": "Luonnos: miten rikkoutuneet penkit löydettäisiin nopeammin?"},
        ("circular-economy",), [], {}, live={},
    ),
    DemoChallenge(
        "oulu", S.AWAITING_APPROVAL, DIRECT,
        {"title_fi": "Nuorten kesätyöpaikkojen välitys", "title_en": "Matching young people with summer jobs",
         "summary_fi": "Helpompi tapa löytää ensimmäinen kesätyö.",
         "summary_en": "An easier way to find a first summer job.",
         "problem": "Moni nuori jää ilman kesätyötä, vaikka paikkoja olisi.", "end_users": "15–17-vuotiaat."},
        ("employment",),
        [_site("Nuorisotalo Toppila", "other", "Toppilansaarentie 1, Oulu")],
        _budget(15000, 1, "Yhteistyö nuorisopalveluiden kanssa."),
        live=_schedule(60, 50),
    ),
    DemoChallenge(  # so that Helsinki's decision maker, the demo's own, finds something awaiting approval
        "helsinki", S.AWAITING_APPROVAL, DIRECT,
        {"title_fi": "Kaupunkipyörien talvikäyttö", "title_sv": "Stadscyklar även på vintern",
         "summary_fi": "Voisivatko kaupunkipyörät olla käytössä myös talvella?",
         "summary_sv": "Kunde stadscyklarna användas också på vintern?",
         "problem": "Kaupunkipyöräkausi päättyy lokakuussa, vaikka moni pyöräilee ympäri vuoden.",
         "end_users": "Kaupunkipyörien käyttäjät ja huoltohenkilöstö.",
         "problem_sv": "Stadscykelsäsongen tar slut i oktober, fast många cyklar året runt.",
         "end_users_sv": "Stadscyklisterna och servicepersonalen."},
        ("mobility",),
        [_site("Kaupunkipyöräasema Rautatientori", "street", "Rautatientori, Helsinki")],
        _budget(20000, 2, "Pääsy kaupunkipyöräasemille ja käyttötietoihin."),
        live=_schedule(60, 50),
    ),
    DemoChallenge(
        "espoo", S.APPROVED, DIRECT,
        {"title_fi": "Kirjastojen saavutettavuuden parantaminen",
         "title_sv": "Bättre tillgänglighet i biblioteken",
         "summary_fi": "Näkövammaisten ja lukemisesteisten asiointi kirjastossa helpommaksi.",
         "summary_sv": "Enklare biblioteksbesök för personer med syn- eller läsnedsättning.",
         "problem": "Kirjaston opasteet ja laitteet eivät palvele kaikkia.",
         "end_users": "Näkövammaiset ja lukemisesteiset asiakkaat.",
         "problem_sv": "Bibliotekets skyltar och apparater fungerar inte för alla.",
         "end_users_sv": "Kunder med syn- eller läsnedsättning."},
        ("learning",),
        [_site("Ison Omenan kirjasto", "library", "Piispansilta 11, Espoo")],
        _budget(15000, 2, "Pääsy kirjaston tiloihin ja asiakasraati."),
        live=_schedule(45, 35),
    ),
]


# --- people ---------------------------------------------------------------------------------

def _user(email: str) -> User:
    """A demo account that must exist."""
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise LookupError(f"demo account {email} is missing: run auth.demo.load() first")
    return user


def _companies() -> list[tuple[User, Organisation]]:
    """The two demo companies' owners and their companies."""
    result = []
    for email, slug in COMPANY_ACCOUNTS:
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        result.append((_user(email), organisation))
    return result


# --- moving a challenge --------------------------------------------------------------------

def _move(challenge: Challenge, action: str, user: User | None, comment: str | None = None) -> None:
    """One workflow action through the editor's single state-changing service."""
    editor.transition_challenge(challenge, action, user, comment=comment)


def _time_travel(challenge: Challenge, schedule: dict[str, Any]) -> None:
    """Set the schedule as if time had passed; audited as a system change of the dates, with its reason."""
    editor.update_schedule(challenge, None, schedule, reason="Esittelyaineisto: aikataulu siirretty.")


def _write(spec: DemoChallenge, cities: dict[str, Organisation], officer: User,
           themes: dict[str, int]) -> Challenge:
    """Create the challenge with its partner cities and fill in its sections as its officer would."""
    texts = dict(spec.texts)
    challenge = editor.create_challenge(cities[spec.city], officer, spec.variant, "paid", texts.pop("title_fi"),
                                        texts.pop("summary_fi"))
    for slug, share in spec.partners.items():
        add_partner(challenge, cities[slug], share)
    editor.update_texts(challenge, officer, texts, theme_ids=[themes[t] for t in spec.themes])
    if spec.target is S.DRAFT:
        return challenge
    editor.update_budget(challenge, officer, spec.budget)
    editor.update_schedule(challenge, officer, spec.live)
    save_sites(challenge, officer, spec.sites)
    replace_criteria(challenge, officer, CRITERIA)
    return challenge


def _ask_and_answer(challenge: Challenge, items: list[tuple[int, str, str]], officer: User,
                    companies: list[tuple[User, Organisation]]) -> None:
    """Companies ask, the officer answers, and the answers are published to everyone at once."""
    questions = []
    for index, text, answer in items:
        user, organisation = companies[index]
        question = dialogue.ask_question(challenge, user, organisation, text)
        questions.append(dialogue.answer_question(question, answer, officer))
    if questions:
        dialogue.publish_answers(challenge, questions, officer)


def _run_dialogue(challenge: Challenge, script: DialogueScript, officer: User,
                  companies: list[tuple[User, Organisation]]) -> tuple[DialogueEvent, MeetingSlot]:
    """An info session both companies register for, meeting times (one booked), the RFI and Q&A."""
    event = dialogue.create_event(challenge, dialogue.EventFields(
        kind="info_session", title=script.event_title, description="Haasteen esittely ja kysymykset.",
        starts_at=_at(7, 13), ends_at=_at(7, 15), online_url="https://meet.example.com/kokeilu-demo",
        location=script.place, capacity=40, title_sv=script.swedish.get("event_title"),
        description_sv="Presentation av utmaningen och frågor." if script.swedish else None), officer)
    for user, organisation in companies:
        dialogue.register_for_event(event, user, organisation)
    slot = dialogue.create_slot(challenge, _at(9, 10), _at(9, 11), "Teams", officer)
    dialogue.create_slot(challenge, _at(9, 13), _at(9, 14), "Teams", officer)
    dialogue.book_slot(slot, *companies[0])
    rfi = [dialogue.add_rfi_question(challenge, text, officer) for text in script.rfi]
    user, organisation = companies[0]
    dialogue.save_rfi_responses(challenge, user, organisation,
                                {q.id: a for q, a in zip(rfi, script.rfi_answers)})
    _ask_and_answer(challenge, script.questions, officer, companies)
    return event, slot


def _finish_dialogue(challenge: Challenge, script: DialogueScript, officer: User, event: DialogueEvent,
                     slot: MeetingSlot) -> None:
    """Hold the event and the meetings (time travel), record them and publish the synthesis and summary."""
    for item, days in ((event, -20), (slot, -15)):
        length = item.ends_at - item.starts_at
        item.starts_at = _at(days, 13)
        item.ends_at = item.starts_at + length
        audit.record("demo_time_travel", item, None, data={"challenge_id": challenge.id,
                                                           "starts_at": item.starts_at.isoformat()})
    db.session.flush()
    material = "Esitysmateriaali: haasteen tausta ja aikataulu."
    dialogue.record_event_outcome(event, material, script.event_minutes, True, officer)
    dialogue.record_meeting_minutes(slot, script.meeting_minutes, officer)
    dialogue.save_rfi_synthesis(challenge, script.synthesis, True, officer)
    dialogue.save_dialogue_summary(challenge, script.summary, script.changes, True, officer, versions={
        "dialogue_summary_sv": script.swedish.get("summary"), "dialogue_changes_sv": script.swedish.get("changes")})


ORDER = [S.OPEN, S.CLOSED, S.EVALUATION, S.AWARDED, S.PILOTING, S.COMPLETED]


def _past(state: ChallengeState, target: ChallengeState) -> bool:
    """True when a challenge headed for target goes beyond state."""
    if target is S.UNSUCCESSFUL:
        return state in (S.OPEN, S.CLOSED, S.EVALUATION)
    return target in ORDER and ORDER.index(target) > ORDER.index(state)


def _take_to_target(challenge: Challenge, spec: DemoChallenge, officer: User, decider: User,
                    companies: list[tuple[User, Organisation]]) -> None:
    """Move the challenge along its lifecycle with the real workflow until it reaches spec.target."""
    target = spec.target
    _move(challenge, "submit_for_approval", officer)
    if target is S.AWAITING_APPROVAL:
        return
    _move(challenge, "approve", decider)
    if target is S.CANCELLED:
        _move(challenge, "cancel", officer, spec.decision)
        return
    if target is S.APPROVED:
        return
    if spec.dialogue is not None:
        _move(challenge, "start_dialogue", officer)
        event, slot = _run_dialogue(challenge, spec.dialogue, officer, companies)
        if target is S.MARKET_DIALOGUE:
            return
        _finish_dialogue(challenge, spec.dialogue, officer, event, slot)
        _time_travel(challenge, spec.call)
    _move(challenge, "open_call", officer)
    _ask_and_answer(challenge, spec.questions, officer, companies)
    if not _past(S.OPEN, target):
        return
    _time_travel(challenge, spec.history)
    _move(challenge, "close_call", None)
    if not _past(S.CLOSED, target):
        return
    _move(challenge, "start_evaluation", officer)
    if not _past(S.EVALUATION, target):
        return
    if target is S.UNSUCCESSFUL:
        _move(challenge, "declare_unsuccessful", decider, spec.decision)
        return
    _move(challenge, "award", decider, spec.decision)
    for action, state in (("start_piloting", S.AWARDED), ("complete", S.PILOTING)):
        if not _past(state, target):
            return
        _move(challenge, action, officer)


def _exists(spec: DemoChallenge, city: Organisation) -> bool:
    """True when this demo challenge was loaded before."""
    return db.session.scalar(select(Challenge.id).where(
        owned_by([city.id]), Challenge.title_fi == spec.texts["title_fi"])) is not None


def _follow_and_subscribe(companies: list[tuple[User, Organisation]], cities: dict[str, Organisation],
                          themes: dict[str, int]) -> None:
    """The demo companies follow the live challenges; the second one subscribes to Helsinki and learning."""
    live = db.session.scalars(select(Challenge).where(
        Challenge.state.in_([S.MARKET_DIALOGUE.value, S.OPEN.value]))).all()
    for challenge in live:
        follow_challenge(challenge, companies[0][0])
    save_subscriptions(companies[1][0], [cities["helsinki"].id], [themes["learning"]])


def load() -> int:
    """Add the demo challenges that are missing (after auth.demo.load()); returns how many were added."""
    cities = ensure_cities()
    themes = {t.slug: t.id for t in ensure_themes()}
    companies = _companies()
    added = 0
    for spec in CHALLENGES:
        city = cities[spec.city]
        if _exists(spec, city):
            continue
        officer, decider = (_user(email) for email in CITY_STAFF[spec.city])
        challenge = _write(spec, cities, officer, themes)
        if spec.target is not S.DRAFT:
            _take_to_target(challenge, spec, officer, decider, companies)
        added += 1
    if added:
        _follow_and_subscribe(companies, cities, themes)
    _pending_work(cities, themes, companies)
    db.session.flush()
    return added


# --- pending work for the start pages (issue 10): a question to answer, a challenge returned ----------

PENDING_QUESTION = (1, "Liikettä välitunneille",
                    "Voiko pilottiin osallistua useampi koulu samalla ratkaisulla, vai onko jokainen koulu oma "
                    "pilottinsa?")
RETURNED = DemoChallenge(
    "helsinki", S.AWAITING_APPROVAL, DIRECT,
    {"title_fi": "Leikkipuistojen varauskalenteri", "title_sv": "Bokningskalender för lekparker",
     "summary_fi": "Perhetapahtumien ja ryhmien varaukset leikkipuistoihin yhdestä kalenterista.",
     "summary_sv": "Bokningar av lekparker för familjeevenemang och grupper i en och samma kalender.",
     "problem": "Leikkipuistojen varaukset tehdään puhelimitse ja sähköpostilla, ja päällekkäisyyksiä syntyy.",
     "end_users": "Perheet, päiväkotiryhmät ja leikkipuistojen ohjaajat.",
     "problem_sv": "Lekparkerna bokas per telefon och e-post, och bokningarna krockar.",
     "end_users_sv": "Familjer, daghemsgrupper och lekparkernas ledare."},
    ("health-and-wellbeing",),
    [_site("Leikkipuisto Brahe", "park", "Helsinginkatu 25, Helsinki")],
    _budget(10000, 1, "Leikkipuistojen ohjaajien tuki ja kokeilutilat."),
    live=_schedule(60, 50),
    decision="Pilottikohteita on vain yksi: lisää ainakin toinen leikkipuisto ennen kuin lähetät haasteen "
             "uudelleen hyväksyttäväksi.",
)


def _pending_work(cities: dict[str, Organisation], themes: dict[str, int],
                  companies: list[tuple[User, Organisation]]) -> None:
    """A company's question still unanswered, and a Helsinki challenge the decision maker returned to draft."""
    index, title, text = PENDING_QUESTION
    challenge = db.session.scalar(select(Challenge).where(owned_by([cities["helsinki"].id]),
                                                          Challenge.title_fi == title))
    if challenge is not None and db.session.scalar(select(Question.id).where(
            Question.challenge_id == challenge.id, Question.text == text)) is None:
        dialogue.ask_question(challenge, *companies[index], text)
    if not _exists(RETURNED, cities[RETURNED.city]):
        officer, decider = (_user(email) for email in CITY_STAFF[RETURNED.city])
        returned = _write(RETURNED, cities, officer, themes)
        _move(returned, "submit_for_approval", officer)
        _move(returned, "return_to_draft", decider, RETURNED.decision)
