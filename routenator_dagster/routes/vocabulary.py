"""Words the heuristic route composes queries from, written for this project.

Everything here is lowercase surface text. Per content type: the words that name the type
(`TYPE_NAMES`, with whether a careful annotator keeps the word in a Search prompt), subtype and
format words that imply the type without naming it, generic subjects a library surely holds
(Search), and one-off specifications (Generate). The KG and catalog add to these at run time.
"""

from __future__ import annotations

# ---- words that name a content type --------------------------------------------------------------
# (word, keep in extracted_prompt). Bare type words ("photo", "template", "music") are dropped;
# format and subtype words ("sticker", "font", "background" for Background) are kept.
TYPE_NAMES: dict[str, tuple[tuple[str, bool], ...]] = {
    "Template": (("template", False), ("templates", False), ("layout", False), ("layouts", False)),
    "Photo": (
        ("photo", False), ("photos", False), ("image", False), ("images", False), ("picture", False),
        ("pictures", False), ("pics", False), ("pic", False), ("photograph", False), ("stock photo", False),
    ),
    "Video": (
        ("video", False), ("videos", False), ("clip", False), ("clips", False), ("footage", False),
        ("stock footage", False), ("animation", True), ("animations", True), ("video clip", False),
    ),
    "Audio": (
        ("music", False), ("audio", False), ("song", False), ("songs", False), ("soundtrack", False),
        ("sound effect", True), ("sound effects", True), ("sounds", False),
    ),
    "Background": (
        ("background", True), ("backgrounds", True), ("backdrop", True), ("wallpaper", True),
        ("texture", True), ("textures", True), ("wallpapers", True), ("backdrops", True),
    ),
    "Design Asset": (
        ("icon", True), ("icons", True), ("sticker", True), ("stickers", True), ("illustration", True),
        ("illustrations", True), ("graphics", False), ("clipart", False), ("graphic", False), ("design assets", False),
    ),
    "Text": (
        ("font", True), ("fonts", True), ("typeface", True), ("text effect", True), ("text effects", True),
        ("lettering", True), ("text style", True),
    ),
}

# Connector after a type word at the start of a phrase ("photos of ...", "templates for ...").
# Occasion topics ("birthday") always take "for"; these are for things and moods.
TYPE_CONNECTORS: dict[str, tuple[str, ...]] = {
    "Template": ("for", "for"),
    "Photo": ("of", "of", "showing"),
    "Video": ("of", "showing"),
    "Audio": ("", ""),
    "Background": ("with", "of"),
    "Design Asset": ("of", "of"),
    "Text": ("that looks", "that is", ""),
}

# Subtype / format words that imply a type without any TYPE_WORDS word (kept in prompts).
SUBTYPES: dict[str, tuple[str, ...]] = {
    "Template": (
        "flyer", "poster", "invitation", "invite", "card", "greeting card", "resume", "cv", "menu", "logo",
        "business card", "presentation", "slide deck", "certificate", "instagram post", "instagram story",
        "facebook post", "youtube thumbnail", "thumbnail", "banner", "web banner", "cover", "book cover",
        "brochure", "newsletter", "postcard", "label", "price list", "planner", "calendar", "infographic",
        "pinterest pin", "linkedin banner", "gift certificate", "coupon", "wedding program", "save the date",
        "event ticket", "bookmark", "letterhead", "menu board", "story post", "reel cover",
    ),
    "Photo": ("3d render", "close-up", "aerial shot", "stock shot", "flat lay", "macro shot", "snapshot", "shot"),
    "Video": ("loop", "timelapse", "b-roll", "slow motion", "intro", "outro", "gif", "motion design", "reel"),
    "Audio": ("jingle", "beat", "tune", "melody", "ringtone", "track", "instrumental", "lofi beat", "drum loop", "chime"),
    "Background": ("pattern", "gradient", "backsplash pattern", "seamless pattern", "ombre"),
    "Design Asset": (
        "frame", "shape", "doodle", "doodles", "mascot", "emoji", "badge", "border", "divider", "ornament",
        "vector", "silhouette", "logo mark", "speech bubble", "arrow",
    ),
    "Text": ("headline", "caption", "tagline", "slogan", "title", "quote", "heading", "monogram", "wordmark"),
}

# Cues a careful annotator reads as implying a type although no TYPE_WORDS word is there: the
# format words above plus purposes and phrasings ("to play under", "behind my text", "stock").
# A query labelled Any may contain none of them; a typed query without its type word needs one.
# The KG's design types of a type are cues too (taken from the request at run time).
TYPE_CUES: dict[str, tuple[str, ...]] = {
    "Template": SUBTYPES["Template"] + (
        "printable", "handout", "hand out", "sign", "signage", "invites", "card design", "worksheet", "program",
        "product label", "save the date card", "facebook cover", "tiktok cover", "slides", "leaflet", "pamphlet",
        "programme",
    ),
    "Photo": SUBTYPES["Photo"] + (
        "portrait", "headshot", "selfie", "stock", "high-res", "high res", "hi-res", "photorealistic", "realistic shot",
        "product shot", "candid", "dslr", "photoshoot", "photo shoot", "shot of", "closeup", "3d renders",
    ),
    "Video": SUBTYPES["Video"] + (
        "looping", "time-lapse", "slow-motion", "slow mo", "slow-mo", "gifs", "moving", "animated", "motion graphics",
        "reels", "broll", "drone shot", "countdown video", "stock footage", "stock video",
    ),
    "Audio": SUBTYPES["Audio"] + (
        "to play under", "play in the background", "play while", "can i play", "playlist", "bpm", "vocals", "lyrics",
        "soundscape", "sound", "podcast intro", "music loop", "stock music", "tunes", "beats", "jingles", "noise",
    ),
    "Background": SUBTYPES["Background"] + (
        "behind my text", "go behind", "put behind", "to sit behind", "for my desktop", "desktop", "lock screen",
        "home screen", "zoom call", "zoom calls", "phone wallpaper", "patterns",
    ),
    "Design Asset": SUBTYPES["Design Asset"] + (
        "emojis", "cutout", "cut out", "png", "vectors", "clip art", "frames", "badges", "borders", "shapes",
        "mascots", "ornaments", "dividers", "silhouettes", "arrows", "spot illustration", "stock vector",
    ),
    "Text": SUBTYPES["Text"] + (
        "calligraphy", "cursive", "serif", "sans serif", "typography", "letters", "lettering", "wording", "copy",
        "captions", "headlines", "taglines", "slogans", "titles", "quotes", "word art", "script", "typographic",
        "short bio", "product description", "welcome message", "email subject line",
    ),
}

# Phrases that contain a cue word but imply no type ("event planners" is an audience, not a planner).
NOT_CUES: tuple[str, ...] = (
    "event planner", "wedding planner", "party planner", "meal planner", "sign up", "card game", "credit card",
    "report card", "title fight",
)

# Generic subjects a library surely holds, per type (Search).
SUBJECTS: dict[str, tuple[str, ...]] = {
    "Template": (
        "birthday", "wedding", "baby shower", "graduation", "bake sale", "yard sale", "open house", "thank you",
        "halloween party", "christmas party", "new year", "job fair", "fundraiser", "real estate", "restaurant",
        "coffee shop", "fitness class", "yoga studio", "book club", "garage sale", "bridal shower", "retirement",
        "grand opening", "back to school", "summer camp", "church event", "car wash", "lost dog", "hiring",
        "black friday", "valentines day", "mothers day", "fathers day", "easter", "thanksgiving", "diwali",
        "eid", "ramadan", "hanukkah", "lunar new year", "st patricks day", "pride month", "earth day",
        "small business", "bakery", "salon", "dentist", "photography", "travel agency", "podcast", "gaming",
        "street festival", "farmers market", "charity run", "science fair", "tutoring", "pet adoption",
    ),
    "Photo": (
        "elephant", "sunset", "mountain lake", "coffee beans", "city skyline", "golden retriever", "beach",
        "office team", "laptop on desk", "fresh vegetables", "pizza", "forest path", "snowy cabin", "hot air balloons",
        "paris", "new york street", "cherry blossoms", "happy family", "doctor", "students in class", "wheat field",
        "ocean waves", "autumn leaves", "running shoes", "wedding rings", "handshake", "croissant", "sushi",
        "cat sleeping", "tiger", "horse", "desert dunes", "northern lights", "lighthouse", "rainy window",
        "woman doing yoga", "man hiking", "kids playing", "bicycle", "vintage car", "sunflowers", "red roses",
        "smartphone", "team meeting", "grocery store", "farm animals", "waterfall", "starry sky", "tropical fruit",
        "barista", "construction site", "classroom", "hospital", "mountain road", "birthday cake", "dog in snow",
    ),
    "Video": (
        "ocean waves", "clouds", "city traffic", "fireworks", "rain", "campfire", "waterfall", "drone beach",
        "people walking", "typing on laptop", "cooking", "coffee pouring", "forest", "snowfall", "sunrise",
        "crowd cheering", "confetti", "candle flame", "northern lights", "running", "office", "night city",
        "underwater", "birds flying", "wheat field", "highway", "smoke", "bokeh lights", "countdown", "logo reveal",
    ),
    "Audio": (
        "upbeat", "calm piano", "lofi", "acoustic guitar", "cinematic", "corporate", "happy ukulele", "epic",
        "relaxing", "jazz", "hip hop", "electronic", "rain", "applause", "door knock", "whoosh", "birds chirping",
        "ocean waves", "suspense", "christmas", "wedding", "podcast intro", "meditation", "kids", "funk",
        "drum roll", "ambient", "rock", "piano", "orchestral", "notification", "camera shutter", "cash register",
    ),
    "Background": (
        "beach", "marble", "wood", "abstract", "floral", "bokeh", "sky", "watercolor", "geometric", "galaxy",
        "sunset", "forest", "paper", "brick wall", "gradient", "neon", "christmas", "halloween", "pastel",
        "gold glitter", "concrete", "clouds", "mountains", "minimal", "polka dot", "snow", "ocean", "leaves",
        "blurred office", "starry night", "vintage", "grunge", "bamboo", "desert",
    ),
    "Design Asset": (
        "heart", "star", "arrow", "flower", "leaf", "cat", "dog", "coffee cup", "sun", "cloud", "rocket", "crown",
        "balloon", "cake", "gift box", "christmas tree", "pumpkin", "ghost", "shopping cart", "phone", "email",
        "house", "location pin", "check mark", "musical note", "camera", "book", "graduation cap", "globe", "lightbulb",
        "social media", "food", "animal", "weather", "sports", "fruit", "plant", "unicorn", "dinosaur",
    ),
    "Text": (
        "spooky", "handwritten", "bold", "elegant", "retro", "script", "gothic", "neon", "graffiti", "3d", "gold",
        "christmas", "comic", "serif", "sans serif", "cursive", "vintage", "futuristic", "wedding", "kids",
        "chalk", "bubble", "grunge", "minimalist", "calligraphy", "western", "pixel", "horror", "glitch",
    ),
    "Any": (
        "diwali", "christmas", "halloween", "summer", "birthday", "wedding", "graduation", "thanksgiving",
        "easter", "valentines", "back to school", "new year", "eid mubarak", "ramadan", "hanukkah", "spring",
        "autumn", "winter", "travel", "fitness", "food", "coffee", "nature", "business", "technology",
        "mothers day", "fathers day", "baby shower", "pride", "earth day", "black friday", "cyber monday",
        "st patricks day", "lunar new year", "independence day", "friendship", "sports", "beach vibes",
        "cozy", "motivation", "self care", "gardening", "pets", "wellness", "camping", "teamwork", "love",
    ),
}

# Any: more ways to say a topic with no type, so short Any searches do not repeat each other.
# Concrete subjects said bare ("golden retriever"): without a type cue they are Any, not Photo.
ANY_THINGS: tuple[str, ...] = (
    "elephant", "golden retriever", "sunset", "coffee beans", "mountain lake", "pizza", "cherry blossoms",
    "puppies", "kittens", "sunflowers", "hot air balloons", "city skyline", "ocean", "rainbow", "pumpkins",
    "tacos", "cupcakes", "autumn leaves", "bees", "butterflies", "horses", "lighthouse", "northern lights",
    "palm trees", "snowman", "teddy bear", "dinosaurs", "unicorns", "outer space", "planets", "robots", "cactus",
    "lemons", "strawberries", "succulents", "bicycles", "vintage cars", "books", "tea", "wine", "sushi", "donuts",
    "ice cream", "yoga", "soccer", "basketball", "hiking", "surfing", "skateboarding", "chess", "mermaids",
    "pirates", "dragons", "foxes", "owls", "bunnies", "flamingos", "tropical", "mountains", "forest", "desert",
    "city lights", "farm", "camping gear", "coffee", "cats", "dogs", "flowers", "roses", "bakery", "barbecue",
    "beach", "snow", "rain", "stars", "moon", "galaxy", "ocean waves", "waterfall", "vegetables", "fruit",
)
ANY_SEASONS: tuple[str, ...] = (
    "summer", "winter", "spring", "fall", "autumn", "holiday", "christmas", "halloween", "easter", "rainy day",
    "weekend", "sunday",
)
ANY_GATHERINGS: tuple[str, ...] = (
    "wedding", "birthday", "party", "picnic", "brunch", "dinner party", "festival", "sale", "road trip", "vacation",
    "baby shower", "reunion", "date night", "game night", "bbq", "camping trip", "market", "open house",
    "potluck", "sleepover", "tea party", "pool party", "bonfire", "bake sale",
)
ANY_THEMES: tuple[str, ...] = (
    "dinosaur", "unicorn", "taco", "pizza", "beach", "garden", "mermaid", "space", "safari", "pirate", "jungle",
    "superhero", "princess", "farm", "circus", "rainbow", "boho", "tropical", "vintage", "western", "disco",
)
ANY_PLURALS: tuple[str, ...] = (
    "birthdays", "weddings", "holidays", "graduations", "baby showers", "picnics", "anniversaries", "parties",
    "bake sales", "fundraisers", "reunions", "sleepovers", "holiday parties", "summer nights", "road trips",
)
# "stuff for my ...": owner-ish things that still say nothing about the type
ANY_MINE: tuple[str, ...] = (
    "classroom", "bakery", "garden", "dog's birthday", "mom", "kids", "small business", "church", "team",
    "etsy shop", "book club", "cafe", "salon", "gym", "new apartment", "yoga class", "food truck", "nephew",
    "grandparents", "coffee shop", "students", "wedding", "boyfriend", "girlfriend", "best friend", "dad",
)
# filler around an Any topic; the first group is dropped from the prompt, the second is kept
ANY_FILLER_SUFFIXES: tuple[str, ...] = ("ideas", "inspo", "stuff", "things", "inspiration")
ANY_KEPT_SUFFIXES: tuple[str, ...] = ("vibes", "theme", "aesthetic", "season", "mood")
ANY_LEADS: tuple[str, ...] = (
    "something for", "ideas for", "stuff for", "things for", "anything for", "inspiration for", "inspo for",
    "something about", "something with", "anything with",
)
ANY_MY_LEADS: tuple[str, ...] = ("stuff for my", "something for my", "things for my", "ideas for my", "anything for my")

# Copywriting asks (Text Generate for taglines, captions, headlines): tone, length, hooks.
COPY_TONES: tuple[str, ...] = (
    "warm", "playful", "confident", "friendly", "professional", "cheeky", "heartfelt", "punchy", "upbeat",
    "witty", "calm", "bold", "sincere", "funny", "classy", "casual",
)
COPY_LENGTHS: tuple[str, ...] = (
    "under ten words", "short and punchy", "one line only", "no more than eight words", "two short sentences",
    "about twenty words", "short enough for a sign", "just a few words",
)
COPY_ASKS: tuple[str, ...] = (
    "that rhymes", "with a pun in it", "with a call to action", "that mentions the date", "without emojis",
    "that makes people smile", "that isn't salesy", "that says what we do", "in plain english",
    "with a little alliteration", "that mentions the name", "that invites people to come", "with one emoji",
    "that works as a hashtag too", "in our own voice", "with a question at the start",
)

SITUATIONS: tuple[str, ...] = (
    "since the theme is {theme}", "because most of the guests are {who}", "as it's outdoors this year",
    "and we're expecting around {n} people", "and the vibe should be relaxed", "since it's a surprise",
    "because we're on a tight budget", "since it's our first one", "and it needs to go out this week",
    "because last year's looked dated", "since everyone loves {theme}", "as it's a small family thing",
)

STYLES: tuple[str, ...] = (
    "minimalist", "modern", "vintage", "retro", "watercolor", "boho", "elegant", "playful", "rustic", "bold",
    "hand drawn", "neon", "pastel", "corporate", "whimsical", "grunge", "art deco", "cartoon", "flat",
    "3d", "cute", "dark", "colorful", "simple", "luxury", "kawaii", "scandinavian", "y2k", "cyberpunk",
)
COLORS: tuple[str, ...] = (
    "pink", "gold", "navy", "teal", "black", "white", "red", "green", "blue", "purple", "orange", "yellow",
    "sage green", "burgundy", "mint", "coral", "lavender", "rose gold", "silver", "beige", "emerald",
    "mustard", "turquoise", "peach", "charcoal", "cream", "maroon", "lilac", "olive", "sky blue",
)
AUDIENCES: tuple[str, ...] = (
    "kids", "teens", "seniors", "students", "teachers", "small business", "moms", "dads", "nurses", "gamers",
    "runners", "dog lovers", "coffee lovers", "book lovers", "realtors", "coaches",
)

# ---- one-off specifics (Generate) -------------------------------------------------------------
FIRST_NAMES: tuple[str, ...] = (
    "priya", "jake", "maria", "liam", "aisha", "chen", "sofia", "noah", "fatima", "diego", "emma", "kofi",
    "yuki", "oliver", "amara", "mateo", "hana", "lucas", "zara", "ethan", "leila", "omar", "grace", "ravi",
    "chloe", "tomas", "nia", "arjun", "isla", "samir", "ava", "kenji", "lena", "marcus", "ines", "theo",
    "rosa", "dev", "mia", "jonah", "ananya", "felix", "sade", "hugo", "mei", "elijah", "nora", "tariq",
    "bella", "santiago", "keiko", "ruby", "adam", "layla", "finn", "olga", "malik", "clara", "sanjay", "wren",
)
BUSINESS_NOUNS: tuple[str, ...] = (
    "plant shop", "bakery", "coffee bar", "taco truck", "pet grooming", "yoga studio", "barber shop", "bookstore",
    "flower shop", "pizzeria", "car wash", "tattoo studio", "candle co", "dog walking", "nail salon", "food truck",
    "photography", "cleaning service", "bike repair", "ice cream parlor", "tea house", "soap shop", "dental clinic",
    "law office", "daycare", "donut shop", "juice bar", "thrift store", "gym", "catering", "auto shop", "boutique",
)
BUSINESS_WORDS: tuple[str, ...] = (
    "golden", "happy", "little", "blue", "sunny", "urban", "wild", "cozy", "lucky", "green", "bright", "honey",
    "maple", "silver", "velvet", "copper", "river", "cedar", "lemon", "north star",
)
EVENTS: tuple[str, ...] = (
    "birthday party", "baby shower", "wedding", "retirement party", "graduation party", "housewarming",
    "bridal shower", "engagement party", "anniversary dinner", "grand opening", "bake sale", "book launch",
    "charity gala", "farewell party", "gender reveal", "quinceanera", "bar mitzvah", "family reunion",
    "christening", "open house", "garage sale", "pool party", "game night", "recital", "art show",
)
ORDINALS: tuple[str, ...] = (
    "1st", "2nd", "3rd", "5th", "7th", "10th", "16th", "18th", "21st", "30th", "40th", "50th", "60th", "75th",
)
MONTHS: tuple[str, ...] = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_NUMBERS: tuple[str, ...] = ("1st", "2nd", "3rd", "4th", "5th", "8th", "12th", "14th", "15th", "19th", "21st", "23rd", "28th", "30th")
TIMES: tuple[str, ...] = ("at 7pm", "at 6:30", "at noon", "from 2 to 5", "at 10am", "at 8pm", "from 9 to 1")
PRICES: tuple[str, ...] = (
    "50% off", "20% off", "$5 off", "buy one get one free", "2 for $10", "$9.99", "free delivery",
    "30% off everything", "$1 coffee", "half price", "free shipping over $50", "$25 per class",
)
QUOTE_TEXTS: tuple[str, ...] = (
    "welcome home", "grand opening", "we are hiring", "happy 30th sam", "thank you", "save the date",
    "sold out", "you did it", "best dad ever", "stay wild", "open late", "coffee first", "just married",
    "see you soon", "closed for the holidays", "new menu", "be kind", "game on", "class of 2027",
    "hello spring", "merry and bright", "dream big", "hola amigos", "good vibes only", "now open",
)
# Unusual compositions: subject, accessory, action, setting (each alone is common, together one-off).
ODD_SUBJECTS: tuple[str, ...] = (
    "corgi", "cat", "sloth", "penguin", "raccoon", "goldfish", "hedgehog", "llama", "octopus", "panda",
    "frog", "giraffe", "owl", "astronaut", "robot", "grandma", "t-rex", "bulldog", "hamster", "flamingo",
    "otter", "fox", "koala", "capybara", "snail", "toaster", "teacup", "cactus", "pineapple", "banana",
)
ODD_ACCESSORIES: tuple[str, ...] = (
    "in a chef hat", "wearing sunglasses", "in a tiny tuxedo", "wearing a crown", "in a space suit",
    "with a top hat", "in a raincoat", "wearing headphones", "in a superhero cape", "with a bow tie",
    "in a knitted sweater", "wearing roller skates", "with a monocle", "in a cowboy hat", "in pajamas",
)
ODD_ACTIONS: tuple[str, ...] = (
    "flipping pancakes", "riding a skateboard", "playing the violin", "surfing a giant wave", "reading a newspaper",
    "juggling oranges", "drinking boba tea", "driving a taxi", "doing yoga", "painting a landscape", "lifting weights",
    "typing on a laptop", "eating spaghetti", "flying a kite", "conducting an orchestra", "baking a cake",
    "dancing in the rain", "playing chess", "watering plants", "riding a unicycle",
)
ODD_SETTINGS: tuple[str, ...] = (
    "on the moon", "in a teacup", "under the sea", "on a rooftop in tokyo", "in a library", "on a pirate ship",
    "in a candy forest", "at a disco", "inside a snow globe", "on top of a cupcake", "in a rainy alley",
    "on mars", "in a tiny kitchen", "at sunset in venice", "in a jungle", "on a floating island",
)
LAYOUT_DETAILS: tuple[str, ...] = (
    "with a big headline at the top", "with room for a photo", "with the date in bold", "with a map at the bottom",
    "with a qr code in the corner", "with my logo in the middle", "with three photos in a row",
    "with a simple border", "with lots of white space", "with the price in a circle", "with an rsvp line",
    "with two columns", "with a torn paper edge", "with hand drawn arrows",
)
MOODS: tuple[str, ...] = (
    "warm and cozy", "fun and bright", "calm", "dreamy", "energetic", "classy", "spooky", "festive",
    "romantic", "cheerful", "moody", "nostalgic", "clean and professional", "bold and loud",
)

# ---- wrappers ---------------------------------------------------------------------------------
SEARCH_VERBS: tuple[str, ...] = (
    "find", "find me", "show me", "look for", "search", "search for", "looking for", "i need", "need",
    "get me", "browse", "any", "do you have", "can you find", "can you show me", "i want", "im looking for",
    "i'm looking for", "where are", "give me", "pls find", "find some", "need some", "got any",
    "where can i find", "are there any", "is there a", "browse some", "search for some", "look up",
    "show me some", "i'd like to see", "pull up", "any good", "some", "best",
)
MAKE_VERBS: tuple[str, ...] = (
    "make", "make me", "create", "design", "design me", "help me make", "i want to make",
    "can you make", "lets make", "build", "put together",
)
GENERATE_VERBS: tuple[str, ...] = (
    "create", "generate", "make", "make me", "design", "draw", "can you create", "can you make", "please make",
    "i need", "i want", "give me", "generate me", "could you design", "help me create", "can i get", "i'd like",
    "we need", "produce", "whip up", "mock up", "render", "i'd love", "could you whip up", "please create", "design me",
    "i want you to make", "we'd like", "can you put together",
)
FIND_FOR_GENERATE: tuple[str, ...] = ("find me", "show me", "find", "look for", "search for", "do you have", "got any")
POLITE_POST: tuple[str, ...] = (
    "please", "pls", "plz", "thanks", "thank you", "asap", "thx", "for work", "for a project", "for school",
    "for my blog", "for a client", "for a meeting", "for my class", "for tomorrow", "for my website",
    "if possible", "real quick", "for a school project", "thanks so much", "when you can", "for my channel",
)
GREETINGS: tuple[str, ...] = ("hi!", "hey", "hello", "hi there,", "ok so", "hey there!", "quick one:", "so", "hiya,", "good morning!")
# Chatty searches open with a context sentence, composed from these parts (plus CONTEXTS whole).
CONTEXT_WHO: tuple[str, ...] = ("i'm", "we're", "my wife and i are", "our team is", "my class is", "our club is",
                                "my husband and i are", "i am", "our group is", "my mom and i are")
CONTEXT_DOING: tuple[str, ...] = ("planning", "organizing", "putting together", "getting ready for", "hosting",
                                  "helping with", "working on", "setting up", "throwing", "running")
CONTEXT_WHAT: tuple[str, ...] = ("a little party", "a small event", "a fundraiser", "a get together", "a class project",
                                 "a community day", "a surprise", "a school fair", "a work event", "an open day",
                                 "a charity drive", "a family dinner", "a weekend workshop", "a neighborhood picnic")
CONTEXT_WHERE: tuple[str, ...] = ("for my son's class", "at our church", "for the neighborhood", "at work",
                                  "for my book club", "for our local library", "at the community center", "for my team",
                                  "for my grandma", "next weekend", "this spring", "for our small town", "")
CONTEXTS: tuple[str, ...] = (
    "i'm putting together something for my daughter's soccer team and",
    "we're planning a surprise party for my mom next month and",
    "i teach third grade and",
    "i run a small coffee shop and",
    "my sister is getting married soon and",
    "i'm helping out at our community center this weekend and",
    "our office is doing a little celebration and",
    "i'm working on a project for my night class and",
    "i just started a side business and",
    "we are organizing a fundraiser at my kid's school and",
    "i volunteer at the local animal shelter and",
    "i'm redoing my online shop and",
    "my team has a big meeting on monday and",
    "i'm trying to spruce up my church's weekly handout and",
    "it's my best friend's birthday soon and",
    "i manage social media for a gym and",
    "i coach a little league team and",
    "we're hosting family over the holidays and",
)
NEED_PHRASES: tuple[str, ...] = (
    "need some", "i need", "i'm looking for", "looking for some", "want to find", "could use some",
    "would love some", "need to find", "i want", "hoping to find",
)

# ---- what does not go together in one request ---------------------------------------------------
# Pairs of phrase groups a person would not combine in one query: a drawn style asked to look
# photographic, a spooky mood for a baby shower, lyrics on an instrumental, a resume for a
# christening. A composed row containing a phrase of each side is recomposed (and the realism
# filter rejects such rows from any route). Phrases match whole words, plurals allowed.
_DARK = ("spooky", "creepy", "horror", "gothic", "haunted", "eerie", "dark", "moody", "sinister")
_SWEET_OCCASIONS = ("baby shower", "wedding", "just married", "bridal shower", "gender reveal", "christening",
                    "baptism", "daycare", "kindergarten", "first communion", "anniversary", "engagement",
                    "valentine", "valentines day", "mothers day", "mother's day", "hello spring", "good vibes only",
                    "congrats", "congratulations", "thank you", "cheerful", "romantic", "nursery",
                    "fun and bright", "festive", "playful", "cute", "kawaii")
_PERSONAL_OCCASIONS = ("christening", "baptism", "baby shower", "bridal shower", "gender reveal", "bar mitzvah",
                       "bat mitzvah", "quinceanera", "funeral", "memorial", "sleepover", "first communion",
                       "birthday party", "tea party", "wedding", "anniversary", "housewarming")
_OFFICE_FORMATS = ("resume", "cv", "letterhead", "business card", "invoice", "linkedin banner", "price list",
                   "infographic", "newsletter", "job application", "pitch deck", "annual report")
CLASHES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("watercolor", "hand drawn", "hand-drawn", "cartoon", "doodle", "sketch", "kawaii", "flat colors", "pixel art",
      "crayon", "storybook", "flat"),
     ("very realistic", "photorealistic", "realistic", "hyperrealistic", "lifelike", "dslr", "photographic")),
    (("minimalist", "minimal", "kept really simple", "simple", "scandinavian", "clean and professional"),
     ("maximalist", "busy", "ornate", "lots of detail", "cluttered", "bold and loud", "grunge")),
    (("vintage", "retro", "rustic", "art deco", "nostalgic", "old fashioned"), ("futuristic", "cyberpunk", "sci-fi", "y2k")),
    (_DARK, _SWEET_OCCASIONS),
    (("calm", "relaxing", "mellow", "chill", "peaceful", "dreamy", "soothing", "lofi"),
     ("energetic", "upbeat", "hype", "intense", "bold and loud", "epic", "pump up", "high energy")),
    (("sad", "somber", "melancholy", "funeral", "memorial"), ("party", "festive", "cheerful", "fun and bright", "celebration",
                                                               "upbeat", "funky", "cheesy", "playful")),
    (("instrumental", "no vocals"), ("lyrics", "sing along", "vocals by", "with vocals", "saying", "that says", "with the words")),
    (("black and white", "monochrome", "grayscale"),
     ("pink", "gold", "navy", "teal", "red", "green", "blue", "purple", "orange", "yellow", "coral", "lavender",
      "turquoise", "peach", "pastel", "colorful", "neon", "rainbow", "emerald", "magenta", "crimson", "burgundy")),
    (("pastel", "soft", "muted"), ("neon", "bold and loud", "electric blue", "neon pink")),
    (_PERSONAL_OCCASIONS, _OFFICE_FORMATS),
    (("summer", "beach", "tropical", "pool party", "heatwave"), ("snowy", "snowflake", "snowman", "winter", "ski")),
    (("corporate", "clean and professional", "professional"), ("kawaii", "cheesy", "silly", "bubble", "cartoon",
                                                              "dreamy", "whimsical")),
)

# ---- how people shorten words when they type --------------------------------------------------
# slang -> the clean word(s) an annotator writes in extracted_prompt ("ig post" -> "instagram post").
SLANG: dict[str, str] = {
    "ig": "instagram", "insta": "instagram", "bg": "background", "bgs": "backgrounds", "bday": "birthday",
    "pls": "please", "plz": "please", "u": "you", "ur": "your", "pic": "picture", "pics": "pictures",
    "xmas": "christmas", "yt": "youtube", "fb": "facebook", "vid": "video", "vids": "videos", "thx": "thanks",
    "ty": "thank you", "grad": "graduation", "bc": "because", "ppl": "people", "vday": "valentines day",
    "wallpapr": "wallpaper", "congrats": "congratulations", "anniv": "anniversary", "n": "and", "w/": "with",
    "hbd": "happy birthday", "gf": "girlfriend", "bf": "boyfriend", "bff": "best friend",
}
# clean phrase -> the slang people type for it (the surface variation draws from these)
SLANG_FOR: dict[str, tuple[str, ...]] = {
    "instagram": ("ig", "insta"), "background": ("bg",), "backgrounds": ("bgs",), "birthday": ("bday",),
    "please": ("pls", "plz"), "you": ("u",), "your": ("ur",), "pictures": ("pics",), "picture": ("pic",),
    "christmas": ("xmas",), "youtube": ("yt",), "facebook": ("fb",), "video": ("vid",), "thanks": ("thx",),
    "graduation": ("grad",), "because": ("bc",), "people": ("ppl",), "with": ("w/",),
    "happy birthday": ("hbd",), "girlfriend": ("gf",), "boyfriend": ("bf",), "best friend": ("bff",),
}
EMOJI: tuple[str, ...] = ("🎉", "✨", "🙏", "😊", "❤️", "🎂", "🔥", "👀", "💕", "🥳", "😍", "🌸")
FOREIGN_GREETINGS: tuple[str, ...] = ("hola", "namaste", "bonjour", "ciao", "hallo", "salut", "olá", "konnichiwa",
                                      "merhaba", "salaam", "jambo", "hej")
# questions people open with, by word count (they take the place of a request verb of as many words)
QUESTION_LEADS_BY_LEN: dict[str, dict[int, tuple[str, ...]]] = {
    "Search": {1: ("any",), 2: ("got any", "any good"), 3: ("do you have", "have you got"),
               4: ("where can i find", "do you have any")},
    "Generate": {2: ("can u",), 3: ("can you make", "could you make", "can u make", "can i get"),
                 4: ("could you please make", "can you please make", "can you make me")},
}
