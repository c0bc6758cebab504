"""English wording rules (patterns are written plainly; they are folded to skeleton form)."""

from __future__ import annotations

from notifybot.policy.rule import Rule, rule

_M = r"(?:[$E]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?(?:[$E]|eur\b|euros?\b|usd\b|dollars?\b))"
#: A code, coupon or voucher reported as already dealt with (applied, expired...), not offered.
_DEALT_WITH = (r"s? (?:could not|couldn't|can't|cannot|was not|wasn't|has been|was|had"
               r"|have been|were) (?:be )?(?:applied|accepted|used|redeemed|expired|issued|sent)")
_NEXT = r"(?:order|purchase|ride|trip|booking|visit|stay|delivery|rental|flight|shop|appointment)"
#: Benign uses of "free" (also used by the combined cues).
FREE_OK = (
    r"free of charge|feel free|toll[- ]?free|free ?phone"
    r"|(?:gluten|sugar|dairy|nut|lactose|alcohol|fat|smoke|smoking|hands|duty|tax|interest|fee"
    r"|cash|care|hassle|worry|stress|contact|scent|fragrance|plastic|cruelty|commission)[- ]?free"
    r"(?: \w+)?"
    r"|free (?:cancell?ation|rebooking|rebook|of charge|parking|wi-?fi|internet|to (?:reply|contact"
    r"|call|ask|change|cancel|reschedule|rebook|return)|changes?|date change|seat selection)"
    r"|(?:rebook(?:ed|ing)?|change[ds]?|changing|cancel(?:led|ed|ling)?|reschedul(?:e|ed|ing)"
    r"|replace[ds]?|repair(?:ed)?|return(?:ed)?) (?:\w+ )?(?:for|at no cost"
    r" and) free|for free (?:until|up to|before|within)"
    r"|free trial (?:ends|ended|expires|expired|will end|is ending|has ended|period ends)"
)

RULES: tuple[Rule, ...] = (
    rule(
        "discount.en.off", "price cut ('half off', 'off everything')",
        r"\bhalf\s?off\b",
        r"\boff (?:everything|sitewide|site-wide|storewide|store-wide|all (?:items|orders|products)"
        r"|selected|your (?:next|first)|the (?:full|regular|normal) price|retail)\b",
    ),
    rule(
        "discount.en.word", "discount offered",
        r"\bdiscount(?:s|ed)?\b",
        unless=r"(?:after|including|incl\.?|less|minus|with) (?:the |your |a |an )?(?:\d+\s?% |"
        + _M + r" )?(?:\w+ )?discount|discounts? (?:was |were |has been |have been )?applied"
        r"|discount\s?:|discount (?:of|was|has been) (?:-|[$E\d])"
        r"|discount\b[^!?\n]{0,40}(?:has been|was|were|have been) applied",
    ),
    rule(
        "coupon.en", "coupon, voucher or promo code",
        r"\bcoupons?\b", r"\bvouchers?\b",
        unless=r"(?:coupon|voucher)" + _DEALT_WITH
        + r"|(?:travel|meal|refund|compensation|hotel|taxi) vouchers?"
        r"|(?:issued|sent) (?:you )?(?:as )?an? (?:\w+ )?voucher|vouchers? (?:of|for) [$E\d]"
        r"[^.!?\n]{0,40}(?:issued|compensation|delay|cancell?ation)",
    ),
    rule(
        "coupon.en.code", "a code to use for a price cut",
        r"\b(?:use|using|with|apply|enter|redeem) (?:the |my |our |your )?(?:promo |discount "
        r"|coupon |voucher |special )?code (?!\d)[a-z0-9]{3,}",
        unless=r"code" + _DEALT_WITH,
    ),
    rule(
        "sale.en", "sale or clearance",
        r"(?<!point of )(?<!bill of )(?<!for )\bsale\b(?! (?:receipt|tax|number|price paid))",
        r"\b(?:summer|winter|spring|autumn|fall|holiday|christmas|xmas|easter|seasonal|annual"
        r"|big|huge|mega|flash|clearance|warehouse|stock|end of season|end-of-season|january"
        r"|store-wide|storewide|weekend|members'?|vip|private) (?:sales|event)\b",
        r"\bclearance\b", r"\bblack ?friday\b", r"\bcyber ?monday\b", r"\bboxing day\b",
        r"\bprime day\b",
        not_in="es",
        unless=r"sale (?:receipt|tax|number|price paid)"
        # Spanish "sale" is "leaves": "tu vuelo sale de la puerta 4", "el tren sale a las 9".
        r"|sale (?:de|del|a|al|ahora|por|hacia|mañana|hoy|esta|este|el|la|los|las|en|desde|con"
        r"|puntual(?:mente)?|tarde|pronto|dentro|sin|tras|rumbo|más)\b"
        r"|(?:que|se|vuelo|tren|autobús|avión|bus|barco|ferry|paquete|pedido|envío) sale\b",
    ),
    rule(
        "offer.en", "promotional offer or deal",
        r"\b(?:special|exclusive|limited|best|amazing|great|incredible|unbeatable|seasonal"
        r"|holiday|weekend|personal|personali[sz]ed|latest|hot|top|today'?s|daily|members?'?|vip"
        r"|introductory|launch|welcome|bonus|summer|winter|spring|flash|early[- ]bird|exciting"
        r"|fantastic) (?:offers?|deals?|prices?|pricing)\b",
        r"\b(?:offers?|deals?) (?:end|ends|ending|expires?|valid|available|of the (?:day|week)"
        r"|are (?:live|here|back|waiting))\b",
        r"\b(?:big|huge|massive) deals?\b", r"\bdeals\b", r"\bbargains?\b",
        r"\blowest prices?\b", r"\bprice drops?\b", r"\bprices? slashed\b", r"\bslashed prices\b",
        r"\bhalf[- ]price\b", r"\bbogo\b", r"\bbuy one,? get one\b",
        r"\bbuy (?:\w+ ){1,2}get (?:\w+ ){1,2}(?:free|half)",
        r"\b2[- ]for[- ]1\b", r"\b3[- ]for[- ]2\b", r"\btwo for one\b",
        r"\bfor the price of (?:one|1|two|2)\b",
        r"\boffer (?:just )?for you\b",
        r"\b(?:weekend|daily|lunch|dinner|brunch|today'?s|midweek|holiday|summer|winter|monday"
        r"|tuesday|wednesday|thursday|friday|saturday|sunday|student|family|happy hour)"
        r" specials?\b",
        r"\bstarts? (?:from|at) [$E]\s?\d", r"\bask (?:us )?about our\b",
        r"\b(?:now|fares?|prices?|flights?|tickets?|rooms?|plans?|trips?|stays?|hotels?|deals?"
        r"|offers?|returns?) from [$E]\s?\d", r"\bstarting (?:at|from) [$E\d]",
        r"\bas (?:low|little) as\b", r"\bfor (?:only|just) [$E\d]",
        r"\b(?:is|are) on us\b", r"\bs on us\b(?<='s on us)", r"\bon the house\b",
        r"\bbuy \d+,? (?:get|pay for) \d+\b", r"\bstock up\b",
        r"\band save\b(?! (?:your|the|this|it|a copy|them|changes))",
        r"\bpay less\b", r"\bnew (?:subscribers|customers|members|users) only\b",
        r"\bmonths? of (?:premium|plus|pro|unlimited)\b(?! (?:has|have|was|were|is) )",
        r"\bjust for you\s?[:!]", r"\bpersonali[sz]ed (?:selection|picks|recommendations)\b",
        r"\bpicked by our team\b", r"\b(?:big|exciting) news\b",
        r"\b(?:we|our \w+) now (?:deliver|delivers|ship|ships|offer|offers)\b",
        r"\bbrowse (?:our|the) (?:menu|range|collection|catalog(?:ue)?|store|shop|selection)\b",
        r"\buse (?:it|them|your credit|your points) (?:on|for|towards) (?:your )?next\b",
        r"\bprices?\b[^.!?\n]{0,50}\b(?:just )?(?:dropped|fell|slashed|cut|lowered)\b",
        r"\bearly access\b", r"\bexclusive access\b",
        r"\b(?:new|latest|spring|summer|fall|autumn|winter|holiday) drop\b",
        r"\b(?:check out|see|shop|discover|explore|browse) (?:our|the|all|these|today'?s) "
        r"(?:latest |new |best |top |hot )?(?:offers|deals|best[- ]?sellers|products|range"
        r"|collection|styles|catalog(?:ue)?)\b",
        r"\bbest[- ]?sellers?\b",
    ),
    rule(
        "free.en", "something given away free",
        r"\bfree (?:gifts?|shipping|delivery|deliveries|trial|samples?|months?|weeks?|drinks?"
        r"|desserts?|coffee|rides?|meals?|items?|tote|bag|upgrades?|appetizers?|starters?|sides?"
        r"|pizzas?|burgers?|access|spins?|credit|bonus|tickets?|entry|class|lessons?|sessions?"
        r"|returns? on|stuff|goodies|cookies?|fries|snacks?|treats?|night|nights|slices?|cakes?"
        r"|cups?|scoops?|donuts?|pastry|pastries|croissants?|beers?|glass|bottle|haircut|wash"
        r"|car wash|manicure|check-?up|month of|year of|membership|subscription|gift card)\b",
        r"\b(?:get|claim|grab|unlock|win|earn|enjoy|score|snag|try)\b(?:\s+\S+){0,4}?\s+free\b",
        r"\bfreebies?\b", r"\bfree for (?:\d+|a|one|two|three) (?:days?|weeks?|months?|year)\b",
        r"\b(?:one|two|three|four|five|ten) free\b", r"\bfree\b(?<=\d free)",
        unless=FREE_OK,
    ),
    rule(
        "gift.en", "gift, prize draw or giveaway",
        r"\bgift with (?:any |every |your )?purchase\b",
        r"\b(?:a|your|special|little|surprise|welcome|exclusive|birthday) gift (?:for you|awaits"
        r"|is waiting|waiting)\b",
        r"\bsurprise gift\b", r"\bgiveaways?\b", r"\bsweepstakes?\b",
        r"\bchances? to win\b", r"\bwin (?:a|an|one|the|big|prizes?|free|[$E]|\d)\b",
        r"\b(?:enter(?:ed)?|entry) (?:into |in )?(?:a|the|our) (?:prize |monthly |weekly )?"
        r"(?:draw|raffle|contest|competition|giveaway)\b",
        r"\bprize draw\b",
        r"\b(?:receive|get|earn|claim|win) (?:a |an |your )?(?:" + _M + r" )?"
        r"(?:gift card|gift voucher|e-?gift)\b",
    ),
    rule(
        "upsell.en", "upgrade or add-on offer",
        r"\bupgrade (?:now|today|offers?|available|for (?:only|just|as little as)|from [$E\d]"
        r"|starting)\b",
        r"\bupgrade\b[^.!?\n]{0,50}\bfor (?:only|just|as little as)\b",
        r"\b(?:eligible|qualif(?:y|ies)|selected) for an? (?:\w+ )?upgrade\b",
        r"\bbid (?:for|on) an? upgrade\b", r"\bplace your bid\b",
        r"\b(?:why not|want to|would you like to|time to|ready to) upgrade\b",
        r"\bupgrade (?:and|to) (?:get|enjoy|unlock)\b",
        r"\bupgrade (?:now )?to (?:premium|plus|pro|gold|platinum|vip|unlimited|family)\b"
        r"(?![^.!?\n]{0,40}(?:is|has been|was|have been) (?:confirmed|processed|complete))",
        r"\b(?:go|get|try|switch to) (?:premium|plus|pro|gold|vip|unlimited)\b(?! (?:member|plan"
        r" (?:is|was|has)))",
        r"\bunlock (?:premium|more|exclusive|all)\b", r"\bmore legroom\b",
        unless=r"(?:your|the) upgrade[^.!?\n]{0,60}(?:is|has been|was|have been) (?:confirmed"
        r"|processed|completed|applied|successful|approved)",
    ),
    rule(
        "cross-sell.en", "cross-sell or recommendation",
        r"\byou (?:might|may|could|will|'ll) also (?:like|love|enjoy)\b",
        r"\bcustomers who (?:bought|viewed|purchased)\b", r"\b(?:frequently|often) bought together",
        r"\bcomplete (?:your|the) (?:look|set|outfit|collection)\b", r"\bpair (?:it|them) with\b",
        r"\b(?:recommended|picked|chosen|selected) (?:just )?for you\b",
        r"\bwe think you'?ll (?:love|like)\b",
        r"\badd (?:a |an |one |some |extra )?[\w -]{0,30}?(?: to (?:your|the) (?:order|booking|trip"
        r"|cart|basket|stay|reservation))?(?: now)? (?:for (?:only|just)|from [$E\d]|at a "
        r"(?:special|discounted|reduced) price|and save)\b",
        r"\bneed a (?:hotel|car|rental car|taxi|ride|transfer)\b[^.!?\n]{0,5}[^\n]{0,60}"
        r"\b(?:save|deals?|offers?|discount)\b",
        r"\bbook (?:with us|now|today) and save\b",
        r"\bwhile you wait,? (?:check out|browse|discover|explore|shop)\b",
    ),
    rule(
        "re-engagement.en", "re-engagement of a lapsed customer",
        r"\bwe (?:miss|missed|have missed|'ve missed) you\b", r"\bmissing you\b",
        r"\bit'?s been (?:a while|too long|ages|a long time)\b", r"\bbeen a while\b",
        r"\b(?:haven'?t|have not) seen you\b",
        r"\b(?:come back|welcome (?:you )?back)\b[^.!?\n]{0,40}\b(?:enjoy|get|save|off|free"
        r"|discount|offer|treat|gift|\d+\s?%)",
        r"\bwelcome (?:you )?back:?\s(?:here'?s|enjoy|get|with)\b",
        r"\bstill thinking (?:about|it over)\b", r"\blong time no see\b",
    ),
    rule(
        "browse-abandonment.en", "reminder of products the customer looked at",
        r"\b(?:you|you'?ve) (?:viewed|looked at|browsed|were looking at|liked|saved)\b",
        r"\bpick up where you left off\b", r"\bback in your size\b",
        r"\b(?:we|you can) also (?:do|offer|sell|cover|insure|provide)\b",
        r"\bwith our partners?\b",
    ),
    rule(
        "abandoned-cart.en", "abandoned-cart reminder",
        r"\b(?:left|forgot|forgotten) (?:something|some ?things|items?|it|them) (?:in|behind)",
        r"\b(?:cart|basket) is (?:waiting|still|about)\b",
        r"\bcart\b(?<=your cart)", r"\bbasket\b(?<=your basket)",
        r"\b(?:forgot|forget) something\b", r"\bcomplete your (?:purchase|checkout)\b",
    ),
    rule(
        "urgency.en", "sales pressure (limited time, last chance)",
        r"\bhurry\b", r"\blimited[- ]time\b", r"\bfor a limited (?:time|period)\b",
        r"\blimited (?:stock|edition|offer|seats? available|availability|spots?)\b",
        r"\blast chance\b", r"\bfinal (?:hours|days)\b",
        r"\b(?:don'?t|do not) miss (?:out|this|our|these)\b",
        r"\b(?:today|tonight|this weekend|this week|48h|24h|weekend) only\b",
        r"\bonly (?:today|tonight|this weekend|until midnight)\b",
        r"\bends (?:tonight|today|at midnight|soon|this weekend|sunday)\b",
        r"\bwhile (?:stocks?|supplies) lasts?\b", r"\bonly \d+ left\b",
        r"\b(?:almost|nearly) (?:sold out|gone)\b", r"\bselling fast\b",
        r"\bbefore (?:it|they) (?:sells? out|(?:is|are|'s|'re) gone)\b",
        r"\bbefore (?:it'?s|they'?re) gone\b",
        r"\bact (?:now|fast)\b", r"\bfilling up fast\b", r"\bgoing fast\b",
        r"\bsecure yours\b", r"\bwon'?t last(?: long)?\b", r"\bselling out\b",
        r"\bonly (?:a few|\d+) (?:seats|rooms|spots|places|tickets|items|units|tables) left\b",
        r"\bbefore (?:prices?|fares?|rates?) (?:go up|rise|increase)\b", r"\bbook yours\b",
        r"\bbe among the first\b",
        r"\b(?:now|waiting for you) (?:in|at) our (?:\w+ )?(?:shop|store|boutique)s?\b",
        r"\bbiggest (?:event|sale|savings)\b", r"\bsave the date\b",
    ),
    rule(
        "save.en", "savings pitch",
        r"\bsave (?:up to|over|big|more|an extra|an additional|on (?:your|all|every)|when"
        r"|with (?:code|our))\b",
        r"\bsave [$E]?\d",
        r"\b(?:big|huge|massive|incredible|amazing) savings\b",
    ),
    rule(
        "announcement.en", "new product or store announcement",
        r"\bintroducing\b", r"\bjust (?:launched|dropped)\b", r"\bnew arrivals?\b",
        r"\b(?:new|latest|brand[- ]new|all[- ]new) (?:collection|range|menu|line|lineup|season"
        r"|styles?|products?|flavou?rs?|dishes|models?|store|shop|location|branch|restaurant"
        r"|boutique|outlet|treatments?|services?|features?|arrivals?)\b",
        r"\bgrand opening\b", r"\bopening (?:of )?our new\b",
        r"\b(?:store|shop|restaurant|location|branch|boutique|cafe|doors) (?:is |are )?now open\b",
        r"\bwe'?re now open\b", r"\bopens? (?:its|our) doors\b",
        r"\bbe the first to (?:try|see|get|discover|know|shop)\b",
        r"\bnow available (?:in (?:store|stores|all stores)|online)\b",
        r"\bsee what'?s new\b", r"\blaunch (?:offer|price|deal)\b",
        r"\b(?:spring|summer|autumn|fall|winter|the holidays|holiday season|christmas)"
        r" (?:is|are) (?:here|coming|back)\b",
        r"\brefresh your (?:wardrobe|look|style|home|space)\b",
        r"\b(?:tap|click|reply) (?:here )?to (?:re-?order|order again|buy again)\b",
        r"\byour favou?rites are (?:waiting|back)\b", r"\bsomething special for you\b",
        r"\beveryone(?:'s| is) talking about\b", r"\ba fresh look\b",
        r"\bmake (?:every|your) (?:morning|day|evening|weekend|home) (?:better|brighter|special)\b",
        r"\bsay hello to (?:faster|better|the new|our|a new|your new)\b",
        unless=r"(?:moved|changed|relocated|transferred) to (?:our|the|a) new (?:location|branch"
        r"|store|shop)|(?:address|directions) (?:of|to) (?:our|the) new (?:location|branch|store)",
    ),
    rule(
        "app-install.en", "app-install push",
        r"\b(?:download|install|get|try) (?:our|the) (?:new |free |mobile )?app\b",
        r"\bdownload (?:it )?(?:now|today)\b",
        r"\bavailable on (?:the )?(?:app store|google play)\b", r"\bapp[- ]only\b",
    ),
    rule(
        "referral.en", "referral push",
        r"\brefer (?:a |your |\d+ )?friends?\b",
        r"\breferral (?:code|link|bonus|program(?:me)?|rewards?)\b",
        r"\binvite (?:your |a |\d+ )?friends?\b",
        r"\bgive (?:" + _M + r"|\d+\s?%),? get (?:" + _M + r"|\d+\s?%)",
        r"\bshare your (?:code|link)\b", r"\bfor (?:each|every) friend\b", r"\byou both get\b",
        r"\bfriends? who (?:signs?|joins?)\b",
    ),
    rule(
        "loyalty.en", "loyalty or membership push",
        r"\b(?:earn|collect|get|rack up) (?:double|triple|2x|3x|bonus|extra|\d+x?) (?:points|miles"
        r"|stars|rewards)\b",
        r"\b(?:double|triple|bonus|extra) (?:points|miles|stars)\b",
        r"\bearn (?:points|miles|stars|rewards) (?:on|with|for) (?:every|each|all)\b",
        r"\b(?:join|sign up for|enroll? in|become a member of) (?:our |the )?(?:\w+ )?(?:rewards?"
        r"|loyalty|club|membership|program(?:me)?)\b",
        r"\bbecome a (?:member|vip|insider)\b", r"\bpoints? away from\b",
        r"\bredeem (?:your )?(?:points|miles|rewards) (?:now|today)\b",
        r"\b(?:members?|vip)[- ]only\b", r"\bmember(?:s'?)? (?:deals|prices|offers|discounts?)\b",
        r"\bexclusive (?:member|vip|members)\b",
    ),
    rule(
        "greeting.en", "greeting or treat unrelated to a transaction",
        r"\bhappy (?:birthday|anniversary|holidays|new year|mother'?s day|father'?s day"
        r"|valentine'?s)\b", r"\bmerry christmas\b", r"\bseason'?s greetings\b",
        r"\b(?:a |your )?(?:treat|surprise|gift|reward|something special) (?:is )?(?:waiting|"
        r"awaits) (?:for )?you\b",
    ),
    rule(
        "survey-reward.en", "survey or review with a reward",
        r"\b(?:survey|feedback|review|questionnaire|poll|rate|tell us)\b[^.!?\n]{0,80}\b(?:win"
        r"|draw|raffle|voucher|gift card|reward|prize|coupon|points|" + _M + r")",
    ),
)
