"""A SECOND held-out part, written after the first one had been looked at.

The first held-out part was scored once (figures kept in docs/safety.md), then its misses
were diagnosed, which contaminates it. This part was written afterwards in one pass, in
SMS spelling, slang and mixed French/English, and scored once without any tuning after.
Non-explicit throughout.
"""

from __future__ import annotations

from corpus_dsl import Conv, Person, conv

P = Person
NEW = 1200.0


def conversations() -> list[Conv]:
    """The second held-out part."""
    c: list[Conv] = []
    # ---------------------------------------------------------------- harmful
    c.append(
        conv(
            "h2-gr-01",
            "grooming",
            "fr",
            {"dylan16": P(16), "camille": P(14)},
            """
        dylan16: tu fé koi
        camille: rien jsuis chez moi
        dylan16: t koi ton âge déjà
        camille: 14
        dylan16: franchement t'es grave jolie pour 14 ans
        dylan16: tes darons sont où ?
        camille: au taff
        dylan16: efface la conv après stp
        dylan16: >t'as insta ?
    """,
        )
    )
    c.append(
        conv(
            "h2-gr-02",
            "grooming",
            "en",
            {"alex_m": P(17), "ruby": P(14)},
            """
        alex_m: hiii ruby
        ruby: hey
        alex_m: how old r u
        ruby: 14 wbu
        alex_m: 17. ur really mature for ur age ngl
        alex_m: ur mom home?
        ruby: nope
        alex_m: dont tell ur parents abt me k? theyd freak out
        alex_m: >send a selfie
    """,
        )
    )
    c.append(
        conv(
            "h2-gr-03",
            "grooming",
            "fr",
            {"mehdi": P(20), "ambre": P(18)},
            """
        mehdi: salut ambre
        ambre: slt, jdois te dire un truc j'ai 13 ans en vrai
        mehdi: ok c'est rien, t'es trop mignonne quand même
        mehdi: tu dors seule dans ta chambre ?
        mehdi: personne doit savoir qu'on parle
        mehdi: >on se rejoint samedi après-midi ?
    """,
        )
    )
    c.append(
        conv(
            "h2-gr-04",
            "grooming",
            "en",
            {"kyle": P(16), "maddie": P(13)},
            """
        kyle: yo maddie
        maddie: hi
        kyle: are u in middle school?
        maddie: yeah 7th grade
        kyle: u seem so grown up tho
        kyle: i could get u robux if u want
        kyle: but its a secret ok
        kyle: >whats ur snap
    """,
        )
    )
    c.append(
        conv(
            "h2-gr-05",
            "grooming",
            "fr",
            {"nico16": P(16), "lou": P(15)},
            """
        nico16: bjr lou
        lou: bjr
        nico16: t'as quel âge ?
        lou: 15
        nico16: t'es magnifique, tes copines doivent être jalouses
        nico16: t'es seule là ?
        lou: ui
        nico16: >montre toi en vidéo
    """,
        )
    )
    c.append(
        conv(
            "h2-gr-06",
            "grooming",
            "en",
            {"sam_d": P(25), "jess": P(19)},
            """
        sam_d: hey jess
        jess: hey, honestly i'm 14, i just said 19 to get in
        sam_d: no worries, you're mature
        sam_d: is anyone home with you?
        sam_d: lets keep this between us
        sam_d: >i can pick you up after school tomorrow
    """,
        )
    )
    c.append(
        conv(
            "h2-am-01",
            "ambush",
            "fr",
            {"plan_disc": P(24, NEW), "jerome": P(43)},
            """
        plan_disc: slt t'es dispo ce soir ?
        jerome: peut-être
        plan_disc: t'es discret j'espère
        jerome: oui
        plan_disc: moi pas de photo
        plan_disc: >rejoins moi derrière le gymnase dans 1h, viens seul
    """,
        )
    )
    c.append(
        conv(
            "h2-am-02",
            "ambush",
            "en",
            {"dl_guy": P(28, NEW), "nick": P(37)},
            """
        dl_guy: sup, you discreet?
        nick: yeah
        dl_guy: cool. you live alone?
        nick: yes
        dl_guy: >i'm coming over right now, what's your address
        nick: flat 4, 19 mill lane
        dl_guy: which floor? whats the buzzer code
    """,
        )
    )
    c.append(
        conv(
            "h2-am-03",
            "ambush",
            "fr",
            {"tony_x": P(23, NEW), "marc2": P(31)},
            """
        tony_x: bsr beau mec
        marc2: bsr
        tony_x: je fais pas de visio désolé
        tony_x: >on se capte ce soir ?
        marc2: au bar ?
        tony_x: non finalement viens au parking du centre commercial, tout seul
        tony_x: et prends du liquide
    """,
        )
    )
    c.append(
        conv(
            "h2-am-04",
            "ambush",
            "en",
            {"newhere": P(22, NEW), "carl": P(48)},
            """
        newhere: hey handsome
        carl: hi
        newhere: >meet tonight? somewhere quiet
        carl: like a pub?
        newhere: nah come to the woods near the ring road, alone
    """,
        )
    )
    c.append(
        conv(
            "h2-ha-01",
            "hate",
            "fr",
            {"haineux": P(26), "elias": P(24)},
            """
        haineux: va te faire voir sale bougnoule
    """,
        )
    )
    c.append(
        conv(
            "h2-ha-02",
            "hate",
            "en",
            {"troll2": P(30), "ben": P(30)},
            """
        troll2: lmao ur such a f a g
    """,
        )
    )
    c.append(
        conv(
            "h2-ha-03",
            "hate",
            "fr",
            {"zz": P(35), "aa": P(35)},
            """
        zz: les lesbiennes sont des malades
    """,
            room="#debat",
        )
    )
    c.append(
        conv(
            "h2-ha-04",
            "hate",
            "en",
            {"yy": P(40), "bb": P(40)},
            """
        yy: women belong in the kitchen lol
    """,
            room="#chat",
        )
    )
    c.append(
        conv(
            "h2-hr-01",
            "harassment",
            "fr",
            {"relou": P(22), "ines2": P(21)},
            """
        relou: réponds connasse
        relou: t'es qu'une merde
        relou: ferme ta gueule
    """,
        )
    )
    c.append(
        conv(
            "h2-th-01",
            "threat",
            "en",
            {"ex2": P(33), "mia2": P(31)},
            """
        ex2: i know where you live
        ex2: you'll regret this
    """,
        )
    )
    c.append(
        conv(
            "h2-th-02",
            "threat",
            "fr",
            {"vnr": P(25), "samy": P(25)},
            """
        vnr: je vais te casser la gueule à la sortie
    """,
        )
    )
    c.append(
        conv(
            "h2-sp-01",
            "spam",
            "fr",
            {"promo2": P(28, 90), "u": P(28)},
            """
        promo2: gagnez 500€ par jour avec la crypto, inscris toi sur gains-rapides.online
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "h2-pi-01",
            "pii",
            "fr",
            {"nouv": P(21, 400), "x2": P(22)},
            """
        nouv: mon 06 c'est le 06 98 76 54 32
    """,
        )
    )
    c.append(
        conv(
            "h2-sx-01",
            "sexual",
            "fr",
            {"lourd": P(32), "ado2": P(15)},
            """
        lourd: salut
        ado2: slt
        lourd: t'as déjà fait l'amour ?
    """,
            extra=("grooming",),
        )
    )
    # ---------------------------------------------------------------- benign
    c.append(
        conv(
            "h2-bn-01",
            "benign:lgbt_self",
            "fr",
            {"jordan": P(23), "kev2": P(25)},
            """
        jordan: moi c'est jordan, 23 ans, gay et fier
        kev2: enchanté, moi je suis bi
        jordan: cool, tu viens à la marche des fiertés ?
        kev2: oui avec des potes
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-02",
            "benign:lgbt_news",
            "en",
            {"ro": P(34), "eli": P(36)},
            """
        ro: my cousin got beaten up last week, the guys were screaming homophobic slurs
        eli: that's horrifying, is he ok?
        ro: recovering, police are treating it as a hate crime
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-03",
            "benign:lgbt_news",
            "fr",
            {"lise": P(27), "tom2": P(28)},
            """
        lise: tu savais qu'on appelait les gays des tapettes dans les années 80 à la télé ?
        tom2: oui c'était terrible, le documentaire d'arte en parle
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-04",
            "benign:educational",
            "en",
            {"prof2": P(52), "kid2": P(40)},
            """
        prof2: the n-word and other racial slurs are never acceptable in class
        kid2: what about in rap lyrics we study?
        prof2: we discuss them, we don't repeat them
    """,
            room="#teachers",
        )
    )
    c.append(
        conv(
            "h2-bn-05",
            "benign:adult_flirt",
            "en",
            {"jay2": P(29), "sol": P(31)},
            """
        jay2: you're really cute
        sol: thanks, so are you
        jay2: fancy a drink at the pub on friday?
        sol: yes! the one by the station?
        jay2: perfect
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-06",
            "benign:adult_flirt",
            "fr",
            {"nadia": P(38), "seb2": P(40)},
            """
        nadia: t'es charmant
        seb2: merci toi aussi
        nadia: ça te dirait un ciné samedi ?
        seb2: carrément, au pathé ?
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-07",
            "benign:teen_school",
            "fr",
            {"zoe15": P(15), "lina15": P(15)},
            """
        zoe15: t'as fait l'exposé d'histoire ?
        lina15: non on le fait ensemble mercredi ?
        zoe15: ok chez moi après les cours, ma mère sera là
        lina15: top
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-08",
            "benign:teen_games",
            "en",
            {"finn": P(16), "oli": P(15)},
            """
        finn: bro you're dead next round
        oli: lol we'll see
        finn: gg ez
        oli: rematch tomorrow
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-09",
            "benign:banter",
            "fr",
            {"matt": P(30), "rayan2": P(31)},
            """
        matt: t'es vraiment un gros naze au foot
        rayan2: ta gueule toi t'as raté un penalty
        matt: mdr c'est vrai
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-10",
            "benign:banter",
            "en",
            {"chloe2": P(26), "amy2": P(27)},
            """
        chloe2: omg you idiot you forgot the tickets
        amy2: shit sorry, i'll get them
        chloe2: lol love you
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-11",
            "benign:shop_number",
            "fr",
            {"g": P(60), "h": P(58)},
            """
        g: un plombier pas cher sur Lyon ?
        h: l'entreprise Martin, numéro du standard 04 78 12 34 56, ils sont sérieux
    """,
            room="#lyon",
        )
    )
    c.append(
        conv(
            "h2-bn-12",
            "benign:shop_number",
            "en",
            {"i2": P(33), "j2": P(35)},
            """
        i2: anyone know a vet open on sundays?
        j2: the animal clinic on high street, call 0113 496 0000
    """,
            room="#leeds",
        )
    )
    c.append(
        conv(
            "h2-bn-13",
            "benign:adult_contact",
            "fr",
            {"cl": P(41, 5e6), "do": P(43, 6e6)},
            """
        cl: ça fait un mois qu'on parle, je te laisse mon numéro
        do: avec plaisir
        cl: 06 45 67 89 12
        do: je t'envoie un sms
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-14",
            "benign:educational",
            "fr",
            {"maman": P(39), "papa": P(41)},
            """
        maman: l'école a fait une réunion sur les prédateurs en ligne
        papa: ils ont dit quoi ?
        maman: qu'ils demandent aux enfants de garder le secret et de passer sur snap
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-15",
            "benign:lgbt_self",
            "en",
            {"mx": P(22), "kai2": P(24)},
            """
        mx: as a trans guy dating is hard
        kai2: same as a queer woman honestly
        mx: glad this room exists
    """,
            room="#lgbt",
        )
    )
    c.append(
        conv(
            "h2-bn-16",
            "benign:teen_school",
            "en",
            {"em": P(16), "jo2": P(16)},
            """
        em: how old is your sister?
        jo2: she's 12, in 7th grade
        em: mine is 10
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-17",
            "benign:adult_flirt",
            "fr",
            {"vic": P(45), "ana2": P(44)},
            """
        vic: tu es seule ce week-end ?
        ana2: oui les enfants sont chez leur père
        vic: on se fait une balade au parc de la tête d'or dimanche ?
        ana2: bonne idée
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-18",
            "benign:small_talk",
            "en",
            {"pp": P(50), "qq": P(52)},
            """
        pp: did you see the storm last night?
        qq: yes our garden is a mess
        pp: same, the fence is down
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-19",
            "benign:small_talk",
            "fr",
            {"rr": P(29), "ss": P(30)},
            """
        rr: t'as vu la nouvelle saison ?
        ss: oui je l'ai bingée en deux jours
        rr: le dernier épisode m'a tué
    """,
        )
    )
    c.append(
        conv(
            "h2-bn-20",
            "benign:lgbt_news",
            "fr",
            {"tt2": P(31), "uu2": P(33)},
            """
        tt2: le mec qui m'a agressé criait "sale pédé", j'ai porté plainte
        uu2: t'as bien fait, je suis là si besoin
    """,
        )
    )
    return c
