"""The HELD-OUT part of the corpus: never used to tune word lists or thresholds.

Written in a separate pass, after the engine's lists were drafted and before any tuning,
with deliberately different wording from the tuning part (other slang, other spellings,
other scenarios). Its figures are reported, not optimised. Non-explicit throughout.
"""

from __future__ import annotations

import random

from corpus_dsl import Conv, Person, conv

FRESH = 900.0
P = Person


def harmful() -> list[Conv]:
    """Harmful held-out conversations."""
    c: list[Conv] = []
    c.append(
        conv(
            "h-gr-01",
            "grooming",
            "fr",
            {"ptitlu": P(16), "chloe": P(14)},
            """
        ptitlu: wesh chloé
        chloe: wesh
        ptitlu: tu as quel âge au fait
        chloe: 14 ans
        ptitlu: franchement tu parais beaucoup plus mûre
        ptitlu: ta mère elle est là ce soir ?
        chloe: non elle travaille
        ptitlu: parle de moi à personne hein
        ptitlu: >passe sur whatsapp c'est mieux
    """,
        )
    )
    c.append(
        conv(
            "h-gr-02",
            "grooming",
            "en",
            {"nate": P(17), "ella": P(14)},
            """
        nate: heyy ella
        ella: hi who r u
        nate: just a friend. what year were you born?
        ella: 2012
        nate: wow you seem way older, you're gorgeous
        nate: is your bedroom door locked?
        nate: this stays between you and me ok
        nate: >snap me a selfie
    """,
        )
    )
    c.append(
        conv(
            "h-gr-03",
            "grooming",
            "fr",
            {"rayan": P(21), "lina": P(18)},
            """
        rayan: salut lina
        lina: salut, au fait je suis en cinquième, j'ai menti sur mon âge
        rayan: c'est pas grave, l'âge c'est qu'un chiffre
        rayan: t'es magnifique
        rayan: tes parents te laissent sortir le mercredi ?
        rayan: >je t'attends devant ton collège mercredi
    """,
        )
    )
    c.append(
        conv(
            "h-gr-04",
            "grooming",
            "en",
            {"coach": P(16), "tyler": P(13)},
            """
        coach: hey tyler good game today
        tyler: thanks
        coach: how old r u again
        tyler: 13
        coach: you're really grown up for your age
        coach: i can get you v-bucks if you want
        coach: but don't tell your mom, she wouldn't understand
        coach: >turn on your camera so i can see you
    """,
        )
    )
    c.append(
        conv(
            "h-gr-05",
            "grooming",
            "fr",
            {"vince": P(17), "sarah": P(15)},
            """
        vince: hello
        sarah: cc
        vince: t'as quel âge ?
        sarah: 15
        vince: t'es trop jolie, tes potes te méritent pas
        vince: moi je te comprends
        vince: >tu m'envoies une tof ?
    """,
        )
    )
    c.append(
        conv(
            "h-gr-06",
            "grooming",
            "en",
            {"paul": P(22), "kim": P(19)},
            """
        paul: hi kim
        kim: hi! tbh i'm 14, i'm in year 9
        paul: oh that's fine, you're very mature
        paul: are you alone right now?
        paul: >give me your number, i'll text you
    """,
        )
    )
    c.append(
        conv(
            "h-gr-07",
            "grooming",
            "fr",
            {"jo": P(16), "eva": P(15)},
            """
        jo: coucou eva
        eva: coucou
        jo: tu es dans quelle classe ?
        eva: troisième
        jo: moi je suis plus âgé que toi, j'ai mon appart
        jo: je peux te payer des skins
        jo: >on se rejoint samedi ? je passe te prendre en voiture
    """,
        )
    )
    c.append(
        conv(
            "h-gr-08",
            "grooming",
            "en",
            {"rob": P(16), "ivy": P(15)},
            """
        rob: hey ivy :)
        ivy: hey
        rob: how old are you?
        ivy: 15
        rob: you're so special, not like other girls
        rob: nobody gets you like i do
        rob: delete this chat later ok
        rob: >move to telegram?
    """,
        )
    )
    c.append(
        conv(
            "h-am-01",
            "ambush",
            "fr",
            {"discretmec": P(23, FRESH), "fred": P(47)},
            """
        discretmec: salut, plan tranquille ce soir ?
        fred: pourquoi pas, tu as une photo ?
        discretmec: non je montre pas ma tête, tu verras en vrai
        discretmec: >rejoins moi dans 30 min
        fred: où ?
        discretmec: au chantier derrière le supermarché, viens tout seul
    """,
        )
    )
    c.append(
        conv(
            "h-am-02",
            "ambush",
            "en",
            {"newguy": P(25, FRESH), "tim": P(39)},
            """
        newguy: hey handsome, you on the dl?
        tim: kind of
        newguy: cool. do you live by yourself?
        tim: yes
        newguy: >i can come to your place right now, send me your address
        tim: 22 elm road
        newguy: what floor and what's the building code?
    """,
        )
    )
    c.append(
        conv(
            "h-am-03",
            "ambush",
            "fr",
            {"bgdu94": P(20, FRESH), "sylvain": P(36)},
            """
        bgdu94: bsr, t'es en couple ?
        sylvain: non célib
        bgdu94: t'habites seul ?
        sylvain: oui
        bgdu94: >je viens chez toi maintenant, donne ton adresse
        bgdu94: c'est quel bâtiment ? et le code de la porte ?
    """,
        )
    )
    c.append(
        conv(
            "h-am-04",
            "ambush",
            "en",
            {"luc": P(22, FRESH), "greg": P(44)},
            """
        luc: hi, discreet fun tonight?
        greg: maybe, can we video call first?
        luc: no video calls sorry
        luc: >meet me in 15 minutes
        greg: at the pub?
        luc: no, change of plans, come to the woods behind the school, alone
    """,
        )
    )
    c.append(
        conv(
            "h-am-05",
            "ambush",
            "fr",
            {"sam_x": P(26, FRESH), "eric": P(50)},
            """
        sam_x: salut beau gosse
        eric: salut
        sam_x: >ça te dit de se voir ce soir ?
        eric: dans un bar ?
        sam_x: plutôt dans ma voiture, au parking du stade
        sam_x: et ramène du cash
    """,
        )
    )
    c.append(
        conv(
            "h-ha-01",
            "hate",
            "fr",
            {"tt": P(24), "uu": P(24)},
            """
        tt: ta gueule sale tafiole
    """,
        )
    )
    c.append(
        conv(
            "h-ha-02",
            "hate",
            "en",
            {"xx": P(33), "yy": P(33)},
            """
        xx: trannies should be locked up
    """,
            room="#news",
        )
    )
    c.append(
        conv(
            "h-ha-03",
            "hate",
            "fr",
            {"kk": P(29), "ll": P(29)},
            """
        kk: les noirs sont des singes
    """,
            room="#foot",
        )
    )
    c.append(
        conv(
            "h-ha-04",
            "hate",
            "en",
            {"hh": P(20), "ii": P(20)},
            """
        hh: ur such a f@g lmao
        ii: not funny
        hh: cry more fa99ot
    """,
        )
    )
    c.append(
        conv(
            "h-ha-05",
            "hate",
            "fr",
            {"oo": P(31), "pp": P(31)},
            """
        oo: espèce de p.d
    """,
        )
    )
    c.append(
        conv(
            "h-hr-01",
            "harassment",
            "en",
            {"stalker": P(26), "amy": P(24)},
            """
        stalker: answer me
        stalker: you stupid whore
        stalker: fuck you
        stalker: piece of shit
    """,
        )
    )
    c.append(
        conv(
            "h-th-01",
            "threat",
            "fr",
            {"rage": P(27), "cible": P(27)},
            """
        rage: je connais ton adresse
        rage: tu vas le regretter
    """,
        )
    )
    c.append(
        conv(
            "h-th-02",
            "threat",
            "en",
            {"mad": P(30), "joe": P(30)},
            """
        mad: we will find you and hurt you
    """,
        )
    )
    c.append(
        conv(
            "h-pi-01",
            "pii",
            "en",
            {"fresh1": P(22, 300), "x": P(25)},
            """
        fresh1: text me on 07700 900456
    """,
        )
    )
    c.append(
        conv(
            "h-sp-01",
            "spam",
            "en",
            {"spammer": P(30, 120), "u": P(30)},
            """
        spammer: earn money from home!! check my bio t.me/easycash
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "h-sp-02",
            "spam",
            "fr",
            {"arnaque": P(30, 500), "u": P(30)},
            """
        arnaque: double ton argent avec le bitcoin, clique sur le lien cryptogain.io
    """,
            room="#general",
        )
    )
    return c


def benign() -> list[Conv]:
    """Benign held-out conversations, deliberately hard."""
    c: list[Conv] = []
    c.append(
        conv(
            "h-bn-01",
            "benign:lgbt_self",
            "fr",
            {"adam": P(21), "yass": P(23)},
            """
        adam: perso je suis bi, je l'ai dit à ma sœur hier
        yass: elle a réagi comment ?
        adam: super bien, elle m'a serré dans ses bras
        yass: trop cool, moi je suis homo et ma famille le sait depuis longtemps
    """,
        )
    )
    c.append(
        conv(
            "h-bn-02",
            "benign:lgbt_self",
            "en",
            {"rae": P(26), "sky": P(28)},
            """
        rae: i'm a lesbian and proud of it
        sky: love that. i'm non binary myself
        rae: this room is such a safe space
    """,
            room="#pride",
        )
    )
    c.append(
        conv(
            "h-bn-03",
            "benign:lgbt_news",
            "fr",
            {"lea": P(34), "mat": P(36)},
            """
        lea: t'as lu le reportage sur les guets-apens homophobes ?
        mat: oui, des mecs attiraient des gays via des faux profils
        lea: et ils les insultaient de pédés en les frappant, c'est horrible
        mat: heureusement le procès a eu lieu
    """,
        )
    )
    c.append(
        conv(
            "h-bn-04",
            "benign:lgbt_news",
            "en",
            {"ian": P(29), "ric": P(31)},
            """
        ian: did you see the news about the attack in soho?
        ric: yes, they yelled slurs at a gay couple
        ian: people called them fags and worse
        ric: disgusting, hope they get charged
    """,
        )
    )
    c.append(
        conv(
            "h-bn-05",
            "benign:lgbt_news",
            "fr",
            {"noe": P(19), "ana": P(20)},
            """
        noe: au lycée on m'a traité de tapette pendant deux ans
        ana: c'est dur, tu en as parlé à quelqu'un ?
        noe: oui à la CPE, ça a aidé
    """,
        )
    )
    c.append(
        conv(
            "h-bn-06",
            "benign:educational",
            "en",
            {"teacher": P(50), "st": P(30)},
            """
        teacher: in today's lesson we discuss why words like "faggot" are homophobic slurs
        st: and why some people reclaim "queer"?
        teacher: exactly, reclaiming is about who says it and how
    """,
            room="#lessons",
        )
    )
    c.append(
        conv(
            "h-bn-07",
            "benign:educational",
            "fr",
            {"ani": P(40), "p": P(25)},
            """
        ani: l'association organise un atelier sur le racisme samedi
        p: on y parlera des insultes racistes et de comment réagir ?
        ani: oui, avec des juristes pour savoir comment porter plainte
    """,
            room="#asso",
        )
    )
    c.append(
        conv(
            "h-bn-08",
            "benign:adult_flirt",
            "fr",
            {"jul": P(36), "clem": P(34)},
            """
        jul: j'ai passé une super soirée à discuter avec toi
        clem: moi aussi, t'es adorable
        jul: on se voit dimanche au marché ? il y a du monde, c'est sympa
        clem: oui, 11h devant la fontaine
    """,
        )
    )
    c.append(
        conv(
            "h-bn-09",
            "benign:adult_flirt",
            "en",
            {"sam": P(41), "pat": P(39)},
            """
        sam: you're gorgeous, honestly
        pat: haha thank you
        sam: let's meet at the library cafe on thursday?
        pat: sure, i'll bring a friend along since it's a first date
        sam: of course, no problem
    """,
        )
    )
    c.append(
        conv(
            "h-bn-10",
            "benign:adult_flirt",
            "fr",
            {"mika": P(27), "tony": P(30)},
            """
        mika: tu veux qu'on se retrouve en terrasse ce soir ?
        tony: avec plaisir, à la brasserie près de la gare ?
        mika: parfait, 20h
        tony: à tout à l'heure
    """,
        )
    )
    c.append(
        conv(
            "h-bn-11",
            "benign:teen_games",
            "fr",
            {"enzo": P(15), "leo": P(16)},
            """
        enzo: t'es mort au prochain round mdr
        leo: même pas en rêve
        enzo: on joue à valo ce soir ?
        leo: vas y après mes devoirs
    """,
        )
    )
    c.append(
        conv(
            "h-bn-12",
            "benign:teen_school",
            "en",
            {"maya": P(16), "ruby": P(15)},
            """
        maya: are you going to the school trip?
        ruby: yes! my parents said yes
        maya: yay we can sit together on the bus
        ruby: deal
    """,
        )
    )
    c.append(
        conv(
            "h-bn-13",
            "benign:teen_school",
            "fr",
            {"nael": P(15), "sami": P(15)},
            """
        nael: t'as quel âge toi ?
        sami: 15 et toi
        nael: pareil, t'es au lycée ?
        sami: ouais en seconde
        nael: cool moi aussi
    """,
        )
    )
    c.append(
        conv(
            "h-bn-14",
            "benign:banter",
            "fr",
            {"kev": P(28), "dylan": P(29)},
            """
        kev: t'es vraiment un boulet au baby-foot
        dylan: la ferme mdr
        kev: merde j'ai oublié mes clés chez toi
        dylan: je te les ramène demain
    """,
        )
    )
    c.append(
        conv(
            "h-bn-15",
            "benign:banter",
            "en",
            {"jess": P(24), "mo": P(25)},
            """
        jess: oh shit i forgot your birthday
        mo: you're the worst lol
        jess: i'm buying you a drink, deal?
        mo: deal, idiot haha
    """,
        )
    )
    c.append(
        conv(
            "h-bn-16",
            "benign:shop_number",
            "fr",
            {"a": P(50), "b": P(48)},
            """
        a: vous connaissez un bon garage à Nantes ?
        b: le garage Dupont, très honnête, leur standard c'est le 02 40 12 34 56
        a: merci je vais les appeler
    """,
            room="#nantes",
        )
    )
    c.append(
        conv(
            "h-bn-17",
            "benign:shop_number",
            "en",
            {"c": P(44), "d": P(46)},
            """
        c: need a dentist in manchester
        d: my clinic is great, reception number 0161 496 0000
        c: thanks!
    """,
            room="#manchester",
        )
    )
    c.append(
        conv(
            "h-bn-18",
            "benign:shop_number",
            "fr",
            {"e": P(33), "f": P(35)},
            """
        e: si tu as besoin d'aide il y a le 3919, ou l'association au 01 40 33 80 60
        f: merci, c'est gentil
    """,
            room="#entraide",
        )
    )
    c.append(
        conv(
            "h-bn-19",
            "benign:adult_contact",
            "en",
            {"olga": P(45, 4e6), "nina": P(44, 5e6)},
            """
        olga: we've been chatting for months, let's finally talk on the phone
        nina: yes! here's my number 07700 900789
        olga: calling you tonight
    """,
        )
    )
    c.append(
        conv(
            "h-bn-20",
            "benign:educational",
            "en",
            {"mum": P(42), "dad": P(44)},
            """
        mum: our school sent a guide about online grooming
        dad: what does it say?
        mum: that groomers ask kids to keep secrets and move to other apps
        dad: good to know, we should talk to our kids about it
    """,
        )
    )
    return c


HB_FR = [
    "t'as vu le match ?",
    "oui incroyable",
    "tu bosses demain ?",
    "oui malheureusement",
    "on se fait un ciné un de ces quatre ?",
    "carrément",
    "je rentre de vacances",
    "c'était où ?",
    "en Bretagne, il a plu tout le temps",
    "classique mdr",
    "t'as des recommandations de livres ?",
    "lis Annie Ernaux",
]
HB_EN = [
    "did you watch the game?",
    "yes it was wild",
    "working tomorrow?",
    "sadly yes",
    "movie night sometime?",
    "definitely",
    "just back from holiday",
    "where?",
    "scotland, rained all week",
    "classic haha",
    "any book tips?",
    "try Sally Rooney",
]
HT_FR = [
    "t'as compris l'exo 3 ?",
    "non c'est chaud",
    "on révise ensemble à la bibli ?",
    "ok demain midi",
    "t'as joué à zelda ?",
    "pas encore",
    "le bac blanc approche",
    "j'ai trop peur",
    "t'inquiète ça va aller",
]
HT_EN = [
    "did you get question 3?",
    "no it's hard",
    "study at the library tomorrow?",
    "ok at lunch",
    "played the new zelda?",
    "not yet",
    "exams are coming",
    "i'm so stressed",
    "you'll be fine",
]


def benign_generated(seed: int = 77) -> list[Conv]:
    """Small-talk compositions from pools written for the held-out pass only."""
    rng = random.Random(seed)
    out = []
    for i in range(26):
        lang = "fr" if i % 2 else "en"
        teen = i % 3 == 1
        pool = (HT_FR if lang == "fr" else HT_EN) if teen else (HB_FR if lang == "fr" else HB_EN)
        a, b = f"ha{i}", f"hb{i}"
        ages = (16, 15) if teen else (rng.randint(19, 60), rng.randint(19, 60))
        start = rng.randrange(len(pool))
        n = rng.randint(4, 8)
        text = "\n".join(
            f"{a if k % 2 == 0 else b}: {pool[(start + k) % len(pool)]}" for k in range(n)
        )
        kind = "benign:teen_school" if teen else "benign:small_talk"
        out.append(conv(f"h-bn-gen-{i:02d}", kind, lang, {a: P(ages[0]), b: P(ages[1])}, text))
    return out


def conversations() -> list[Conv]:
    """The whole held-out part."""
    return harmful() + benign() + benign_generated()
