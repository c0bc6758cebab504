"""Spanish wording rules (accents and case are folded away before matching)."""

from __future__ import annotations

from notifybot.policy.rule import Rule, rule, windowed

_M = r"(?:[$E]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?(?:[$E]|eur\b|euros?\b))"
_COMPRA = r"(?:pedido|compra|viaje|reserva|estancia|visita|entrega|alquiler|carrera|cita)"

#: Benign uses of "free" (also used by the combined cues).
FREE_OK = (
    r"(?:llama|llamada|llamar|número|teléfono|línea|atención) (?:\w+ )?gratis"
    r"|gratis al \d|(?:cambiar|cancelar|modificar)(?:lo|la)? gratis"
    r"|(?:cancelación|cambio|modificación|llamada|número|línea|aparcamiento|parking|wifi"
    r"|reparación|sustitución|devolución|asistencia|autobús|lanzadera|traslado|transporte"
    r"|desayuno|servicio de (?:traslado|lanzadera))(?: es)? gratuit[oa]s?"
    r"|es gratuita hasta|gratuit[oa]s? hasta|(?:cancelación|cambio) (?:\w+ )?gratuit"
    r"|(?:cambios|cancelaciones|modificaciones) gratuit[oa]s"
    r"|(?:reparad[oa]|sustituid[oa]|cambiad[oa]|enviad[oa]|devuelt[oa]) gratis"
    r"|gratis (?:en|por|bajo) garantía"
    r"|(?:prueba|periodo de prueba) gratuit[oa] (?:termina|finaliza|acaba|caduca|ha terminado"
    r"|terminará)"
)

RULES: tuple[Rule, ...] = (
    rule(
        "discount.es", "descuento o rebaja ofrecidos",
        r"\bdescuentos?\b", r"\brebajas?\b", r"\brebajad[oa]s?\b", r"\bahorra(?:r|rás)?\b",
r"\bmitad de precio\b",
        r"\bprecios? (?:especial(?:es)?|rebajados?|increíbles?|mínimos?|de locura"
        r"|de lanzamiento|de oferta)\b",
        unless=r"(?:se ha aplicado|se aplicó|aplicamos|hemos aplicado|con el|incluye el) (?:un |el "
        r"|tu |su )?(?:\d+\s?% de )?descuento|descuento (?:ya )?aplicado|ahorra(?:r)? tiempo"
        r"|descuento\b[^!?\n]{0,40}(?:se ha aplicado|ha sido aplicado|aplicado)",
    ),
    windowed(
        "discount.es.next", "descuento en la próxima compra",
        "próxima próximo primer primera",
        r"(?:%|" + _M + r")[^.!?\n]{0,40}\ben (?:tu|su) (?:próxim[oa]|primer[oa]?) " + _COMPRA,
        back=60, ahead=30,
    ),
    rule(
        "coupon.es", "cupón o código promocional",
        r"\bcupon(?:es)?\b",
        r"\bcódigos? (?:promocional(?:es)?|de descuento|promo)\b",
        r"\b(?:usa|utiliza|introduce|con|aplica) (?:el |tu )?código (?!\d)[a-z0-9]{3,}",
        unless=r"cupón no se (?:pudo|ha podido) aplicar|cupón (?:había |ha )?caducad[oa]"
        r"|cupón (?:aplicado|ya aplicado)|código (?:de (?:reserva|recogida|verificación|pedido"
        r"|seguimiento|acceso|confirmación)|postal)",
    ),
    rule(
        "sale.es", "ofertas, rebajas o liquidación",
        r"\bofertas\b", r"\bchollos?\b",
        r"\boferta\b(?! de (?:empleo|trabajo))(?<!tu oferta)",
        r"\bventa (?:privada|flash|especial|exclusiva)\b", r"\bliquidación\b",
        unless=r"tu oferta (?:ha sido|fue) (?:aceptada|rechazada)",
    ),
    rule(
        "free.es", "gratuidad promocional",
        r"\bgratis\b", r"\bgratuit[oa]s?\b", r"\bgratuitamente\b",
        unless=FREE_OK,
    ),
    rule(
        "gift.es", "regalo, sorteo o concurso",
        r"\bregalos?\b", r"\b(?:te )?regalamos\b", r"\bllévate\b", r"\bsorteos?\b",
        r"\bparticipa (?:en|y)\b", r"\bgana(?:r)? (?:un|una|premios?|\d|[$E]|hasta)\b",
        r"\bconcursos?\b", r"\bpremios?\b",
        unless=r"(?:tarjetas?|cheques?|vales?) regalo|(?:envoltorio|papel) (?:de )?regalo",
    ),
    rule(
        "upsell.es", "oferta de mejora o de pago adicional",
        r"\bmejora (?:tu|su) (?:asiento|habitación|plan|tarifa|billete|cuenta|suscripción"
        r"|experiencia|coche|viaje|clase)\b",
        r"\bhazte (?:premium|socio|miembro|vip|cliente|plus|pro)\b",
        r"\bpásate a (?:premium|plus|pro|la tarifa|business)\b", r"\bsube de categoría\b",
        r"\bpor (?:solo|solamente|tan solo) \d",
    ),
    rule(
        "cross-sell.es", "venta cruzada o recomendación",
        r"\btambién te (?:puede|podría|podrían|pueden) (?:gustar|interesar)\b",
        r"\bte (?:puede|podría) interesar\b", r"\bte recomendamos\b", r"\ba juego (?:con|para)\b",
        r"\bcompleta tu (?:look|outfit|colección)\b",
        r"\bañade\b[^.!?\n]{0,50}\b(?:descuento|por solo|oferta|precio especial|rebajad|ahora)",
        r"\bmás vendidos\b", r"\bmientras tanto,? (?:echa un vistazo|descubre|mira)\b",
        r"\becha un vistazo a nuestr",
    ),
    rule(
        "re-engagement.es", "reactivación de cliente o carrito abandonado",
        r"\bte (?:echamos de menos|extrañamos)\b",
        r"\bhace (?:tiempo|mucho) que no (?:te vemos|nos visitas|vienes|pides)\b",
        r"\bvuelve (?:y|a visitarnos|pronto)\b",
        r"\b(?:tu|su) (?:carrito|cesta) (?:te|le) (?:está )?esperando\b",
        r"\b(?:tu|su) (?:carrito|cesta) (?:sigue|todavía)\b",
        r"\bcarrito\b(?<=tu carrito)", r"\bcesta\b(?<=tu cesta)",
        r"\bolvidaste algo\b", r"\b(?:termina|completa|finaliza) tu compra\b",
    ),
    rule(
        "browse-abandonment.es", "recordatorio de productos vistos o venta cruzada",
        r"\bque (?:viste|miraste|has visto|has mirado)\b", r"\bretoma donde\b",
        r"\btambién (?:hacemos|ofrecemos|vendemos|puedes asegurar|puedes añadir)\b",
        r"\bcon nuestro socio\b",
    ),
    rule(
        "announcement.es", "anuncio de novedades o aperturas",
        r"\bnovedades\b", r"\bnuevas? colecci(?:ón|ones)\b",
        r"\bnuev[oa]s? (?:tienda|local|restaurante|productos?|menú|carta|sabor|sabores|modelos?"
        r"|tratamientos?|servicios?|gama|colección)\b",
        r"\bpresentamos\b", r"\bacabamos de (?:abrir|lanzar)\b", r"\binauguración\b",
        r"\blanzamiento\b", r"\bya disponible en (?:tienda|tiendas|nuestras tiendas|nuestra web)\b",
        r"\bdescúbre(?:la|lo|los|las)?\b", r"\bya están? aquí\b",
        r"\b(?:llegó|ya llegó|ha llegado|ya está aquí|ya está) (?:la primavera|el verano|el otoño"
        r"|el invierno|la navidad)\b",
        r"\brenueva tu (?:armario|look|estilo|casa)\b", r"\btus favoritos te esperan\b",
        r"\btoca para volver a pedir\b", r"\balgo especial para ti\b",
        r"\btodo el mundo (?:habla|está hablando)\b", r"\baire nuevo\b", r"\bcon buen pie\b",
        r"\bdi hola a (?:un|una|la|el|nuestr[oa]s?)\b",
        unless=r"novedades (?:de|sobre|en) (?:tu|su) (?:pedido|envío|reserva|caso|solicitud"
        r"|reclamación|cuenta|paquete)",
    ),
    rule(
        "app-install.es", "incitación a instalar la app",
        r"\bdescárga(?:te)? (?:nuestra|la|nuestra nueva) (?:app|aplicación)\b",
        r"\binstala (?:nuestra |la )?(?:app|aplicación)\b",
    ),
    rule(
        "referral.es", "incitación a invitar amigos",
        r"\binvita a (?:tus|un|una|tu) amig[oa]s?\b", r"\brecomiéndanos\b",
        r"\brecomienda(?:nos)? a (?:un|tus|una|tu) amig", r"\bpor cada amig[oa]\b",
        r"\bcódigo de (?:invitación|referido|amigo)\b", r"\btrae a (?:un|tus) amig",
    ),
    rule(
        "loyalty.es", "incitación al programa de puntos o socios",
        r"\b(?:acumula|gana|consigue|suma) (?:\w+ )?puntos\b",
        r"\bprograma de (?:puntos|fidelidad|fidelización)\b",
        r"\b(?:únete|inscríbete|apúntate) (?:a|al) (?:nuestro )?(?:club|programa)\b",
        r"\bhazte socio\b", r"\bpuntos dobles\b", r"\bdoble de puntos\b",
        r"\bexclusiv[oa]s? para socios\b",
    ),
    rule(
        "greeting.es", "felicitación sin relación con una transacción",
        r"\bfeliz (?:cumpleaños|navidad|año nuevo|aniversario)\b", r"\bfelices fiestas\b",
        r"\b(?:regalo|sorpresa|oferta|descuento|postre|bebida|café|trozo de tarta)(?: \w+){0,3}"
        r" te (?:está )?esperando\b",
    ),
    rule(
        "price-pitch.es", "precio gancho o bajada de precio",
        r"\bdesde \d+(?:[.,]\d+)?\s?(?:E|euros?)", r"\ba partir de \d+(?:[.,]\d+)?\s?(?:E|euros?)",
        r"\b(?:han |ha )?bajad[oa]s? de precio\b", r"\bbaja(?:n)? de precio\b",
        r"\bprecios? (?:más )?bajos\b",
        r"\bespecial (?:fin de semana|verano|navidad|rebajas|san valentín|primavera)\b",
        r"\bacceso (?:anticipado|exclusivo)\b", r"\bpaga menos\b", r"\bgran noticia\b",
        r"\bsolo para ti\s?[:!]", r"\bsolo para nuevos (?:suscriptores|clientes|socios)\b",
        r"\bselección (?:de \w+ )?(?:elegida|pensada) (?:para ti|por nuestro equipo)\b",
        r"\b(?:ya|ahora) (?:reparte|repartimos|ofrecemos|abrimos)\b",
        r"\búsal(?:o|a|os|as) en tu próxim[oa]\b", r"\bmeses de (?:premium|plus)\b",
        r"\bcompra \d+ (?:y )?paga \d+\b", r"\bte devolvemos (?:un |el )?\d+\s?%",
    ),
    rule(
        "survey-reward.es", "encuesta u opinión con recompensa",
        r"\b(?:encuesta|opinión|valoración|cuestionario|reseña)\b[^.!?\n]{0,80}\b(?:sorteo|gana"
        r"|premio|cupón|descuento|regalo|vale|tarjeta regalo|llévate)\b",
    ),
    rule(
        "urgency.es", "presión comercial (última oportunidad, tiempo limitado)",
        r"\búltima oportunidad\b", r"\búltimas (?:horas|unidades)\b",
        r"\bno te (?:lo |la |los |las )?pierdas\b", r"\bsolo (?:hoy|este fin de semana|por hoy)\b",
        r"\bpor tiempo limitado\b", r"\bhasta agotar (?:existencias|stock)\b",
        r"\bse (?:están )?agot(?:an|ando)\b", r"\bantes de que se agoten\b", r"\bdate prisa\b",
        r"(?<!tu )(?<!su )\bcompra ya\b(?! (?:está|ha|se|fue))", r"\bpide ya\b",
        r"\baprovéch(?:a|ala|alo)\b", r"\baprovecha\b",
        r"\bplazas limitadas\b", r"\bno durarán\b",
        r"\bquedan pocas (?:plazas|habitaciones|entradas|unidades|mesas)\b",
        r"\bantes de que suban los precios\b", r"\bsé (?:de )?(?:los|el|la) primer[oa]s?\b",
        r"\bte esperan en (?:nuestra|nuestras) (?:\w+ )?tiendas?\b",
        r"\b(?:reserva|consigue|asegura) (?:la|el|los|las) tuy[oa]s?\b",
    ),
)
