"""Write the seed knowledge graph (nodes.csv, relationships.csv) from the hand-written vocabulary.

The vocabulary below is curated by hand; this script only turns it into the two CSV files the
knowledge loader reads, adds category defaults, and derives weights deterministically:
intent weights from a hand-set popularity tier (1-3), edge weights from list order (first listed
is the strongest association), other node weights from how often the graph uses them.

Run: python scripts/build_seed_graph.py [--out DIR]   (default: routenator_dagster/seed_data/kg)
The committed CSVs must be exactly what this script writes (tests/test_seed_graph.py checks it).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "routenator_dagster" / "seed_data" / "kg"
NODE_COLUMNS = ("id", "label", "name", "content_type", "weight", "props")
EDGE_COLUMNS = ("source", "type", "target", "weight")

# ---- design types: name | catalog content type | aspect ratio (W:H, empty for audio) | aliases
DESIGN_TYPES = """
flyer | Template | 3:4 | leaflet, handout
poster | Template | 2:3 | placard
invitation | Template | 5:7 | invite, e-invite
greeting card | Template | 5:7 | card, e-card
resume | Template | 17:22 | CV, curriculum vitae
menu | Template | 17:22 | food menu, price list
logo | Template | 1:1 | brand mark, emblem
business card | Template | 7:4 | visiting card, contact card
presentation | Template | 16:9 | slide deck, slides
certificate | Template | 22:17 | award certificate, diploma template
Instagram post | Template | 1:1 | IG post, square post
Instagram story | Template | 9:16 | IG story, story
YouTube thumbnail | Template | 16:9 | video thumbnail
banner | Template | 4:1 | web banner, header
book cover | Template | 2:3 | ebook cover, novel cover
newsletter | Template | 17:22 | email newsletter, bulletin
brochure | Template | 17:22 | pamphlet, trifold
postcard | Template | 3:2 | mailer
Facebook cover | Template | 41:16 | Facebook header
event ticket | Template | 2:1 | ticket, admission pass
infographic | Template | 1:2 | fact sheet, explainer graphic
calendar | Template | 3:4 | monthly calendar, wall calendar
product label | Template | 1:1 | label, packaging label, tag
thank you card | Template | 5:7 | thank-you note
Pinterest pin | Template | 2:3 | pin
LinkedIn banner | Template | 4:1 | LinkedIn header
gift certificate | Template | 2:1 | gift voucher, coupon
worksheet | Template | 17:22 | activity sheet, printable
planner | Template | 3:4 | weekly planner, schedule
TikTok cover | Template | 9:16 | TikTok thumbnail
save the date card | Template | 5:7 | save-the-date
program | Template | 17:22 | event program, order of service
stock photo | Photo | 3:2 | photograph, picture
portrait | Photo | 2:3 | headshot, portrait photo
product shot | Photo | 1:1 | product photo, packshot
landscape photo | Photo | 3:2 | scenery, nature photo
food photo | Photo | 4:5 | food photography
flat lay | Photo | 1:1 | overhead shot, top-down photo
3D render | Photo | 1:1 | 3D image, CGI render
aerial photo | Photo | 16:9 | drone shot, bird's-eye view
candid photo | Photo | 3:2 | lifestyle photo, snapshot
loop | Video | 1:1 | video loop, seamless loop
video clip | Video | 16:9 | clip, short video
stock footage | Video | 16:9 | b-roll, footage
intro animation | Video | 16:9 | intro, opener, logo reveal
slideshow video | Video | 16:9 | photo slideshow, montage
countdown video | Video | 16:9 | countdown timer
timelapse | Video | 16:9 | time-lapse
vertical video | Video | 9:16 | reel, short
jingle | Audio |  | sting, sonic logo
background music | Audio |  | underscore, bed music, soundtrack
sound effect | Audio |  | SFX, sound FX
music loop | Audio |  | beat, loop track
podcast intro | Audio |  | podcast theme, intro music
ambient soundscape | Audio |  | ambience, ambient sound
ringtone | Audio |  | notification sound, alert tone
wallpaper | Background | 16:9 | desktop wallpaper
phone wallpaper | Background | 9:16 | lock screen, mobile wallpaper
texture | Background | 1:1 | surface texture
pattern | Background | 1:1 | seamless pattern, repeat pattern
gradient background | Background | 16:9 | gradient
virtual meeting background | Background | 16:9 | video call background, meeting backdrop
backdrop | Background | 3:2 | photo backdrop, step and repeat
sticker | Design Asset | 1:1 | decal
icon | Design Asset | 1:1 | icon set, pictogram
frame | Design Asset | 1:1 | photo frame overlay
illustration | Design Asset | 4:3 | drawing, artwork
clip art | Design Asset | 1:1 | clipart
badge | Design Asset | 1:1 | seal, patch
border | Design Asset | 3:2 | edge decoration
mascot | Design Asset | 1:1 | character
doodle | Design Asset | 1:1 | hand-drawn element
divider | Design Asset | 8:1 | ornament, flourish
font | Text | 4:1 | typeface
text effect | Text | 4:1 | text style, word art
headline | Text | 4:1 | title text, heading
caption | Text | 4:1 | social caption
tagline | Text | 4:1 | slogan
quote | Text | 1:1 | saying, quote graphic
monogram | Text | 1:1 | initials
"""

# ---- styles: name | kind | design types it suits (strongest first)
STYLES = """
watercolor | visual | greeting card, invitation, wallpaper, illustration, save the date card, postcard, border, frame
minimalist | visual | logo, business card, resume, presentation, poster, icon, wallpaper, font, product shot
retro | visual | poster, flyer, font, text effect, sticker, badge, postcard, music loop
vintage | visual | menu, invitation, certificate, frame, texture, font, stock photo, divider
hand-drawn | visual | doodle, clip art, illustration, worksheet, sticker, greeting card, font, planner
bold typographic | visual | poster, headline, text effect, Instagram post, YouTube thumbnail, banner, tagline, caption
elegant | visual | invitation, save the date card, program, menu, monogram, font, thank you card, divider, gift certificate
playful | visual | sticker, mascot, clip art, invitation, worksheet, Instagram story, jingle, calendar
corporate | visual | presentation, newsletter, business card, LinkedIn banner, infographic, virtual meeting background, logo, brochure
neon | visual | poster, text effect, flyer, loop, YouTube thumbnail, phone wallpaper, event ticket, TikTok cover
boho | visual | invitation, wallpaper, pattern, Pinterest pin, greeting card, frame, planner
flat design | visual | icon, infographic, illustration, Instagram post, presentation, badge, Facebook cover
photorealistic | visual | stock photo, product shot, portrait, landscape photo, 3D render, food photo, aerial photo, candid photo, flat lay
cinematic | visual | stock footage, video clip, intro animation, background music, timelapse, landscape photo, vertical video
lo-fi | audio | music loop, background music, ambient soundscape, wallpaper, phone wallpaper
upbeat | audio | jingle, background music, music loop, podcast intro, slideshow video, ringtone
acoustic | audio | background music, jingle, podcast intro, music loop
calm | mood | ambient soundscape, background music, gradient background, phone wallpaper, quote
festive | mood | greeting card, Instagram post, sticker, border, poster, loop, countdown video
rustic | visual | invitation, menu, product label, texture, backdrop, save the date card
kawaii | visual | sticker, mascot, doodle, phone wallpaper, clip art, icon
grunge | visual | texture, font, poster, text effect, sound effect
glitch | visual | text effect, intro animation, YouTube thumbnail, vertical video, sound effect, ringtone
art deco | visual | invitation, poster, font, border, divider, certificate, book cover
pastel | visual | phone wallpaper, Instagram story, gradient background, sticker, pattern, Pinterest pin
3D | visual | 3D render, text effect, icon, intro animation, mascot
cartoon | visual | mascot, illustration, clip art, sticker, YouTube thumbnail, intro animation
"""

# ---- colours: name | hex
COLORS = """
sage green | #9caf88
gold | #d4af37
navy blue | #1f3a5f
blush pink | #f4c2c2
crimson | #b3152b
emerald | #2e8b57
saffron | #f4a300
royal purple | #6a3d9a
teal | #208b8b
coral | #ff7f61
cream | #f5efdc
charcoal | #333840
sky blue | #87ceeb
burnt orange | #cc5500
lavender | #b6a3d9
mint | #a8e6cf
black | #111111
white | #ffffff
silver | #c0c0c0
marigold | #eaa221
turquoise | #30d5c8
burgundy | #7a1f3d
mustard | #d8a31a
olive | #708238
magenta | #c2187a
peach | #ffcba4
forest green | #228b22
ivory | #fffff0
red | #d62828
green | #2a9d3f
rose gold | #b76e79
neon pink | #ff3fa4
electric blue | #1f75fe
terracotta | #c96a4a
pumpkin orange | #ff7518
chocolate brown | #7b4b2a
indigo | #3f3d99
"""

AUDIENCES = """
small business owners, kids, teens, parents, teachers, students, couples, seniors, families,
pet owners, fitness enthusiasts, foodies, travelers, musicians, gamers, nonprofits,
real estate agents, restaurant owners, faith communities, employees, job seekers,
content creators, artists, podcasters, brides, sports fans, community organizers,
event planners, healthcare workers, eco-conscious shoppers
"""

# ---- scene objects, grouped by kind: "name: action, action"
SCENE_OBJECTS = """
[food]
birthday cake: cut the cake, blow out the candles
cupcake: frost the cupcakes, decorate with sprinkles
smash cake: smash the cake
wedding cake: cut the cake, stack the tiers
sweets box: share sweets, open the box
dates: break the fast, arrange on a plate
family feast: gather around the table, share a meal
iftar table: break the fast, set the table
dumplings: fold dumplings, steam dumplings
latkes: fry latkes, serve with applesauce
gelt: spin for gelt, unwrap the coins
roast turkey: carve the turkey, baste the turkey
pumpkin pie: slice the pie, bake a pie
gingerbread house: decorate the gingerbread house, build a gingerbread house
pan de muerto: bake sweet bread, place on the altar
mooncake: share mooncakes, slice a mooncake
apple slices: dip apples in honey
honey jar: drizzle honey, dip apples in honey
round challah: braid the bread, break bread
pomegranate: split the pomegranate, scatter the seeds
matzah: break the matzah, hide the afikoman
seder plate: set the table, tell the story
candy bowl: hand out candy, fill the bowl
chocolate box: open the box, share chocolates
banana leaf feast: serve a feast, eat with hands
modak: offer sweets, steam dumplings
sugarcane: tie sugarcane stalks, chew sugarcane
pretzel: twist pretzels, dip in mustard
sausage: grill sausages, serve with mustard
tacos: assemble tacos, squeeze lime
burger: flip burgers, stack a burger
fries: fry until golden, share a basket
plate of pasta: twirl pasta, plate the pasta
croissant: bake croissants, dunk in coffee
bread loaf: knead the dough, slice the bread
cookie: bake cookies, decorate cookies
pie: bake a pie, slice the pie
salad bowl: toss the salad, drizzle dressing
smoothie: blend a smoothie, pour a smoothie
avocado: slice the avocado, mash the avocado
pancakes: flip pancakes, stack pancakes
eggs: crack the eggs, poach the eggs
cheese board: arrange a cheese board, slice the cheese
grapes: pick grapes, crush grapes
pizza: slice the pizza, toss the dough
corn on the cob: grill the corn, butter the corn
lemonade: pour lemonade, squeeze lemons
sushi: roll sushi, dip in soy sauce
scones: split the scones, spread jam
macarons: stack macarons, pipe macarons
watermelon: slice the watermelon, eat watermelon
ice cream cone: lick the ice cream, scoop ice cream
hot cocoa: sip hot cocoa, add marshmallows
marshmallow: toast marshmallows, add marshmallows
popcorn: pop popcorn, share popcorn
nachos: load the nachos, share a platter
chicken wings: toss the wings, dip in sauce
hot dog: grill hot dogs, add toppings
milkshake: blend a milkshake, share a milkshake
spice jars: sprinkle spices, line up the jars
dog treat: reward the dog, bake dog treats
cucumber slices: place cucumber slices, slice the cucumber
red velvet cake: slice the cake, bake a layer cake
strawberry: pick strawberries, dip in chocolate
[drink]
coffee cup: sip coffee, pour coffee
latte art: pour latte art
coffee beans: roast the beans, grind the beans
espresso machine: pull an espresso shot, steam the milk
teacup: sip tea, pour tea
teapot: pour tea, brew tea
champagne glass: raise a toast, pop the champagne
wine glass: raise a toast, swirl the wine
wine bottle: uncork the wine, pour wine
beer stein: raise a toast, clink glasses
cocktail glass: shake a cocktail, garnish the cocktail
mug: sip coffee, wrap hands around the mug
[decoration]
diya: light the diya, place lamps along the steps
rangoli: draw a rangoli, fill with colored powder
marigold garland: hang the garland, string flowers
lantern: light the lantern, hang the lantern
paper lantern: hang the lantern, release the lanterns
candles: light the candles, blow out the candles
menorah: light the menorah, add a candle each night
dreidel: spin the dreidel
Christmas tree: decorate the tree, string the lights
ornament: hang the ornament, wrap the ornament
wreath: hang the wreath, weave a wreath
stocking: fill the stocking, hang the stockings
ofrenda: build the altar, place photos on the altar
papel picado: hang the banners, cut paper flags
sugar skull: paint a sugar skull, decorate the skull
kinara: light the candles, set the kinara
haft-seen table: arrange the table, set the table
painted eggs: paint eggs, hunt for eggs
easter egg: hunt for eggs, paint eggs
egg basket: carry the basket, fill the basket
jack-o'-lantern: carve the pumpkin, light the lantern
confetti: throw confetti, pop a confetti cannon
balloon: pop the balloon, float balloons, tie balloons
party hat: wear party hats, blow a party horn
string lights: string the lights, twinkle at night
disco ball: spin the disco ball, sparkle on the dance floor
rainbow flag: wave the flag, march with the flag
American flag: wave the flag, raise the flag
Juneteenth flag: raise the flag, wave the flag
firecrackers: light firecrackers, crackle and pop
fireworks: light up the sky, burst over the city, watch fireworks
sparkler: wave a sparkler, write with light
red envelope: hand out red envelopes, receive a red envelope
flower carpet: arrange a flower carpet, lay petals in a circle
oil lamp: light the lamp, place lamps along the steps
kolam: draw a kolam, fill with colored powder
dandiya sticks: clap the sticks, dance in a circle
rakhi thread: tie the rakhi, exchange gifts
thali: carry the thali, perform the aarti
Ganesha idol: carry the idol, immerse the idol
clay pot: boil over the pot, cook sweet rice
feathered mask: wear the mask, parade in costume
parade float: ride the float, wave from the float
pink ribbon: wear the ribbon, pin the ribbon
green ribbon: wear the ribbon, pin the ribbon
poppy: pin a poppy, lay a wreath
pinata: swing at the pinata, spill candy
bounce house: jump in the bounce house
arch of flowers: walk under the arch, decorate the arch
corsage: pin the corsage, wear a corsage
wax seal: press a wax seal, seal the envelope
washi tape: tape down a photo, decorate the page
pressed flowers: press flowers, glue into a journal
neon sign: glow in the dark, flicker on
[nature]
lotus flower: float on the water, bloom at dawn
plum blossom: bloom on the branch, scatter petals
cherry blossom: bloom on the branch, drift in the wind
tulip: bloom in the garden, arrange tulips in a vase
hyacinth: bloom in a pot
sprouted wheat: grow in a dish
rose: give a rose, scatter petals
bouquet: toss the bouquet, arrange flowers, give flowers
white lily: lay flowers, arrange lilies in a vase
sunflower: turn toward the sun, bloom in a field
autumn leaves: fall from the trees, rake the leaves, crunch underfoot
pumpkin: pick a pumpkin, carve the pumpkin
acorn: fall from the oak, gather acorns
pine tree: sway in the wind, dust with snow
palm tree: sway in the breeze
snowflake: fall softly, melt on a mitten
snowman: build a snowman, wear a scarf
rain cloud: drizzle on the window, roll across the sky
sun: shine brightly, rise over the hills
sunrise: rise over the hills, glow on the horizon
sunset: glow on the horizon, fade over the sea
full moon: rise over the rooftops, glow in the night sky
crescent moon: glow in the night sky, rise over the rooftops
rainbow: arc across the sky, appear after the rain
mountain: hike the trail, reach the summit
ocean: crash on the shore, roll in
seashell: collect seashells, hold to your ear
sandcastle: build a sandcastle
campfire: crackle in the dark, gather around the fire
vineyard: harvest the grapes, walk between the vines
seedling: plant a seedling, water the seedling
tree: plant a tree, shade the picnic
globe: spin the globe, point to a country
corn: harvest the corn, husk the corn
harvest basket: gather the harvest, carry the basket
vegetable basket: gather the harvest, wash the vegetables
fruit stand: stack the fruit, weigh the fruit
potted plant: water the plant, repot the plant
acacia tree: shade the savanna
[animal]
dragon: dance through the street, chase the pearl
sheep: graze in the field
rabbit: hop through the grass, nibble a carrot
bunny: hop through the grass, hide eggs
chick: hatch from an egg, chirp
reindeer: pull the sleigh, fly across the moon
bat: fly across the moon, hang upside down
ghost: float through the hall, say boo
goldfish bowl: swim in circles
dove: fly into the sky, carry an olive branch
stork: deliver the baby, fly across the moon
butterfly: flutter over flowers, land on a flower
bee: buzz around the flowers, make honey
owl: hoot at night, perch on a branch
puppy: play fetch, chase its tail, roll in the leaves
kitten: play with yarn, nap in the sun, chase its tail
dog: play fetch, wag its tail, go for a walk
cat: nap in the sun, knead a blanket, stretch
elephant: spray water, walk across the savanna
giraffe: reach the treetops, walk across the savanna
lion: roar, rest in the shade
robin: sing on a branch, build a nest
[person]
Santa Claus: deliver presents, check his list, ride the sleigh
leprechaun hat: hide the gold
bride: walk down the aisle, toss the bouquet
groom: wait at the altar, dance with the bride
couple: hold hands, share a first dance, walk on the beach
baby: sleep peacefully, smile at the camera
crowd: cheer, raise their hands, dance to the music
cupid: shoot an arrow
swimmer: dive into the pool, swim laps
superhero: fly across the sky, save the day
conductor's baton: conduct the orchestra
volunteer: hand out food, pack donations
[object]
family photo: pose together, smile at the camera
group photo: pose together, say cheese
gift box: wrap the gift, unwrap the present, tie the bow
heart: draw a heart, hold a heart
love letter: write a letter, seal the envelope
handwritten note: write a letter, leave a note
teddy bear: hug the teddy bear
necktie: tie a tie
grill: flip burgers, light the grill, grill sausages
fishing rod: cast a line, catch a fish
toolbox: fix the fence, hand a wrench
shamrock: pin a shamrock
pot of gold: hide the gold, find the treasure
picnic blanket: spread the blanket, have a picnic
clock: count down to midnight, strike midnight
maracas: shake the maracas
drum: beat the drum, play a rhythm
water balloon: throw a water balloon, splash friends
water gun: splash friends, spray water
color powder: throw colored powder, smear colors on cheeks
prayer beads: count the beads
mosque: call to prayer, glow at dusk
temple: pray at the temple, ring the bell
woven mat: spread the mat
wedding rings: exchange rings, slide on the ring
engagement ring: propose on one knee, show off the ring
tiara: wear a tiara, place the tiara
ball gown: twirl on the dance floor
dance floor: dance all night, light up the dance floor
graduation cap: toss the caps, move the tassel
diploma: receive the diploma, frame the diploma
tassel: move the tassel
beach chair: relax on the beach, read a book
golf club: swing the club, tee off
golf ball: sink a putt, tee off
golf cart: drive across the course
photo frame: frame the photo, hang on the wall
house: open the door, move in
house keys: hand over the keys, unlock the door
welcome mat: welcome the guests
Torah scroll: read from the scroll
Star of David: hang the star, shine
kippah: wear a kippah
baby bottle: feed the baby
onesie: fold the onesie, dress the baby
baby carriage: push the stroller, take a stroll
diaper cake: stack the diapers, tie a ribbon
baby footprint: stamp the footprint, frame the footprint
crib: sleep peacefully, rock the cradle
question mark: reveal the answer
confetti cannon: pop a confetti cannon, burst with color
red ribbon: cut the ribbon, tie a bow
giant scissors: cut the ribbon
storefront: open the doors, flip the sign
open sign: flip the sign, light up the window
shopping bag: carry the bags, go shopping, pack the order
price tag: slash the price, attach the tag
shopping cart: fill the cart, check out
laptop: type on the keyboard, join a video call, browse online
smartphone: scroll the feed, take a selfie, tap the screen
office desk: work at the desk, organize the desk
megaphone: make an announcement, shout the news
name badge: wear a name badge, clip on the badge
handshake: shake hands, close the deal
briefcase: carry the briefcase, head to work
product box: open the box, unbox the product
rocket: blast off, launch into space
spotlight: shine on the stage, sweep the stage
for sale sign: hang the sign, put up a sign
living room: relax on the sofa, host guests
floor plan: measure the room, sketch the layout
chef hat: cook in the kitchen, taste the sauce
dinner table: set the table, gather around the table, share a meal
microphone: speak into the mic, sing into the mic, tap the mic
headset: join a video call, talk to the team
stage: perform on stage, take a bow
lanyard: clip on the badge
exhibition booth: set up the booth, greet visitors
hair scissors: trim the hair, style the hair
hair dryer: blow-dry the hair, style the hair
mirror: check the mirror, fix the hair
nail polish: paint the nails
lipstick: apply lipstick
dumbbell: lift weights, do a curl
kettlebell: swing the kettlebell, lift weights
yoga mat: roll out the mat, hold a pose, stretch
water bottle: sip water, refill the bottle
running shoes: lace up, cross the finish line, run a race
donation box: drop in a donation, collect donations
piggy bank: save coins, drop in a coin
t-shirt: fold the shirt, print a logo
tote bag: carry the bag, pack the order
food truck: serve customers, park at the market
ugly sweater: wear an ugly sweater, knit a sweater
book stack: read a book, stack the books, turn the page
reading glasses: read a book, put on glasses
typewriter: type a letter, type on the keyboard
yarn ball: knit a scarf, play with yarn
backpack: pack the backpack, carry the backpack
school bus: pick up the kids, drive to school
pencil: sharpen the pencil, write a letter, sketch the layout
apple: polish the apple, take a bite
notebook: take notes, doodle in the margins
chalkboard: write on the board, erase the board
microscope: look through the lens, study a sample
test tube: mix a solution, measure the liquid
volcano model: erupt with foam, build a model
telescope: gaze at the stars, point at the moon
museum: explore the exhibits, guide the tour
map: plan the route, point to a country
packed lunch: pack a lunch, open the lunchbox
curtain: raise the curtain, take a bow
costume: wear a costume, parade in costume
letter blocks: stack the blocks, spell a word
trophy: lift the trophy, win the cup
limousine: arrive in style, open the door
bookshelf: browse the shelves, pick a book
crayons: color the page, draw a picture
bulletin board: pin a notice, decorate the board
camera: take a photo, film a video, zoom in
game controller: press the buttons, play a game
gaming monitor: glow in the dark, stream the game
speech bubble: pop up, say hello
umbrella: open the umbrella, shelter from the rain
rain boots: splash in puddles
beach umbrella: shade the beach, plant in the sand
sunglasses: put on sunglasses
knit scarf: knit a scarf, wrap up warm
mittens: wrap up warm, catch snowflakes
soccer ball: kick the ball, score a goal
goal net: score a goal, save the shot
stadium: cheer, fill the stands
jersey: wear the jersey, sign the jersey
basketball: shoot a hoop, dribble the ball
basketball hoop: shoot a hoop, slam dunk
sneakers: lace up, jump high
scoreboard: light up the score, count down
finish line: cross the finish line, break the tape
medal: win a medal, bite the medal
stopwatch: start the timer, count down
American football: throw a spiral, catch the ball
big screen: watch the game, glow in the dark
cricket bat: hit a six, swing the bat
cricket ball: bowl the ball, catch the ball
swimming pool: dive into the pool, swim laps, splash friends
goggles: put on goggles
life ring: throw the ring, float on the water
putting green: sink a putt
bicycle: ride a bike, ring the bell
helmet: put on the helmet
baseball: throw a pitch, hit a home run
baseball glove: catch the ball
baseball bat: swing the bat, hit a home run
singing bowl: ring the bowl, hum softly
incense: burn incense, curl into smoke
journal: write in a journal, take notes
rolled towels: stack the towels
massage stones: place warm stones
bathrobe: wrap up warm, relax at the spa
bathtub: soak in the tub, bathe the dog
sheet mask: apply a face mask
surfboard: ride a wave, paddle out
convertible: drive down the coast, cruise with the top down
open road: drive down the coast, stretch to the horizon
camper van: park by the lake, drive down the coast
tent: pitch the tent, zip the tent
camping lantern: light the lantern, glow in the dark
skyline: glow at night, light up the city
taxi: hail a cab, drive through the city
street cafe: sip coffee, people-watch
skis: ski down the slope
snowboard: carve the slope, jump the ramp
cabin: warm up by the fire, glow in the snow
jeep: drive across the savanna
cruise ship: sail into the sunset, dock at port
pizza oven: fire the oven, toss the dough
chopsticks: pick up sushi
cutting board: chop vegetables, slice the bread
mixing bowl: mix the batter, whisk the eggs
rolling pin: roll out the dough
pet bowl: fill the bowl, eat dinner
leash: go for a walk, clip on the leash
paw print: leave paw prints, stamp a paw
grooming brush: brush the fur
pet bow: tie a bow
scratching post: scratch the post, climb the tree
pet collar: clip on the leash, jingle the tag
stethoscope: listen to a heartbeat, check up
pet carrier: carry the pet, peek out
headphones: listen to music, nod along, study with music
desk lamp: light the desk, study late
turntable: spin the records, scratch a record
speaker: pump up the volume, play music
strobe lights: flash to the beat
saxophone: play a solo, play the saxophone
trumpet: play the trumpet, play a solo
double bass: pluck the strings, play a rhythm
guitar: strum the guitar, play a solo, tune the strings
drum kit: play the drums, play a rhythm
wristband: scan the wristband, wave your hands
bar stool: sit at the bar
arcade machine: play a game, insert a coin
pixel heart: collect a heart, lose a life
treasure chest: open the chest, find the treasure
violin: play the violin, tune the strings
piano: play the piano, play a melody
concert hall: fill the hall, take a bow
projector: project the film, dim the lights
film reel: roll the film, project the film
sofa: relax on the sofa, curl up with a blanket
haunted house: creak in the wind, glow in the moonlight
witch hat: wear a witch hat, cast a spell
quill pen: write a letter, sign the page
ink bottle: dip the pen
envelope: seal the envelope, open the envelope
spray paint can: spray a mural, shake the can
brick wall: spray a mural, lean on the wall
boombox: play music, pump up the volume
comic burst: pop up, burst with color
jukebox: play a song, insert a coin
whiteboard: sketch the plan, write on the board
conference table: gather around the table, run a meeting
bar chart: grow quarter by quarter, compare results
pie chart: compare results, slice the data
gold star: earn a gold star, shine
recycling bin: sort the recycling, recycle bottles
reusable bag: carry the bag, go shopping
infinity symbol: loop forever
hard hat: put on the helmet, build the frame
kente cloth: wrap the cloth, weave the cloth
beadwork: string beads, weave the pattern
woven basket: weave a basket, carry the basket
canoe: paddle the canoe, paddle out
guitar pick: strum the guitar
mimosa flowers: give flowers, arrange flowers
hands: hold hands, raise their hands, join hands
sound wave: pulse to the beat
"""

# ---- intents by category. A category line: "[category] defaults" with default design types,
# styles, colours and audiences; intent lines:
# name | tier | props (key=value; ..., aliases with /) | extra designs | objects | styles | colours | audiences
CATEGORIES = {
    "holiday": dict(
        designs="greeting card, Instagram post, invitation, flyer, poster, Instagram story, sticker, stock photo, loop, phone wallpaper, text effect, background music, border",
        styles="festive, watercolor, elegant", colors="gold, red", audiences="families"),
    "observance": dict(
        designs="poster, Instagram post, banner, flyer, infographic, Instagram story, sticker, badge, stock photo, headline, vertical video",
        styles="bold typographic, flat design, hand-drawn", colors="black, white", audiences="community organizers, teachers"),
    "life event": dict(
        designs="invitation, greeting card, save the date card, thank you card, Instagram post, banner, sticker, frame, candid photo, slideshow video, background music, font",
        styles="elegant, watercolor, playful", colors="gold, ivory", audiences="families, event planners"),
    "business": dict(
        designs="flyer, Instagram post, logo, business card, banner, poster, brochure, Facebook cover, product shot, stock footage, jingle, icon, tagline, gift certificate",
        styles="minimalist, bold typographic, corporate", colors="navy blue, white", audiences="small business owners"),
    "school": dict(
        designs="flyer, poster, worksheet, certificate, newsletter, presentation, calendar, clip art, doodle, sticker, stock photo, font",
        styles="hand-drawn, playful, flat design", colors="sky blue, mustard", audiences="teachers, students, parents"),
    "social media": dict(
        designs="Instagram post, Instagram story, YouTube thumbnail, TikTok cover, Pinterest pin, vertical video, caption, sticker, gradient background, intro animation, music loop",
        styles="bold typographic, neon, pastel", colors="neon pink, electric blue", audiences="content creators"),
    "season": dict(
        designs="wallpaper, phone wallpaper, Instagram post, landscape photo, flyer, pattern, texture, illustration, ambient soundscape, timelapse",
        styles="watercolor, photorealistic, minimalist", colors="white", audiences="families, travelers"),
    "sports": dict(
        designs="poster, flyer, Instagram post, event ticket, banner, logo, badge, mascot, stock photo, video clip, sound effect, headline",
        styles="bold typographic, cinematic, flat design", colors="red, navy blue", audiences="sports fans"),
    "wellness": dict(
        designs="Instagram post, flyer, planner, poster, Pinterest pin, stock photo, ambient soundscape, background music, gradient background, quote, icon",
        styles="calm, minimalist, boho", colors="sage green, lavender", audiences="fitness enthusiasts"),
    "travel": dict(
        designs="postcard, Instagram post, Instagram story, landscape photo, aerial photo, stock footage, timelapse, wallpaper, sticker, brochure, vertical video",
        styles="photorealistic, cinematic, retro", colors="turquoise, coral", audiences="travelers"),
    "food": dict(
        designs="menu, food photo, flat lay, Instagram post, flyer, poster, product label, sticker, video clip, Pinterest pin",
        styles="rustic, photorealistic, hand-drawn", colors="cream, terracotta", audiences="foodies, restaurant owners"),
    "pets": dict(
        designs="Instagram post, flyer, poster, portrait, candid photo, sticker, illustration, mascot, video clip, frame",
        styles="playful, cartoon, photorealistic", colors="peach, sky blue", audiences="pet owners"),
    "music": dict(
        designs="poster, flyer, event ticket, YouTube thumbnail, music loop, background music, jingle, sound effect, podcast intro, intro animation, banner, ringtone",
        styles="neon, retro, upbeat, acoustic", colors="black, neon pink", audiences="musicians"),
    "text style": dict(
        designs="font, text effect, headline, quote, caption, monogram, tagline, divider, poster, Instagram post",
        styles="bold typographic, retro, hand-drawn", colors="black, white", audiences="artists, content creators"),
    "work": dict(
        designs="presentation, newsletter, infographic, certificate, LinkedIn banner, virtual meeting background, icon, calendar, background music",
        styles="corporate, flat design, minimalist", colors="navy blue, charcoal", audiences="employees"),
}

INTENTS = """
[holiday]
Diwali | 3 | culture=Hindu; season=autumn; aliases=Deepavali/festival of lights | | diya, rangoli, fireworks, sweets box, marigold garland, lantern | festive, elegant | gold, saffron, royal purple, marigold |
Eid al-Fitr | 3 | culture=Muslim; season=spring; aliases=Eid/Eid Mubarak | | crescent moon, lantern, dates, mosque, family feast | elegant | emerald, gold, navy blue | faith communities
Eid al-Adha | 2 | culture=Muslim; season=summer; aliases=Bakrid | | mosque, family feast, crescent moon, sheep, lantern | elegant | emerald, gold, cream | faith communities
Ramadan | 3 | culture=Muslim; season=spring; aliases=Ramzan/Ramadan Kareem | | crescent moon, lantern, dates, iftar table, prayer beads, mosque | elegant, calm | navy blue, gold, teal | faith communities
Lunar New Year | 3 | culture=East Asian; season=winter; aliases=Chinese New Year/Tết/Seollal/Spring Festival | | red envelope, paper lantern, dragon, firecrackers, dumplings, plum blossom | festive | red, gold |
Hanukkah | 3 | culture=Jewish; season=winter; aliases=Chanukah/festival of lights | | menorah, dreidel, candles, latkes, star of david, gelt | festive, elegant | navy blue, silver, sky blue, white | faith communities
Christmas | 3 | culture=Christian; season=winter; aliases=Xmas/holiday season | countdown video | christmas tree, gift box, santa claus, snowman, reindeer, ornament, gingerbread house, wreath, stocking | festive, watercolor, vintage | red, green, gold, white | kids
Día de los Muertos | 3 | culture=Mexican; season=autumn; aliases=Day of the Dead | | sugar skull, marigold garland, ofrenda, candles, papel picado, pan de muerto | festive, hand-drawn | marigold, magenta, royal purple, black |
Holi | 3 | culture=Hindu; season=spring; aliases=festival of colours | | color powder, water balloon, water gun, sweets box, drum | playful, festive | magenta, saffron, electric blue, green | teens
Nowruz | 2 | culture=Persian; season=spring; aliases=Persian New Year | | haft-seen table, goldfish bowl, sprouted wheat, painted eggs, hyacinth | elegant, watercolor | green, gold, turquoise |
Thanksgiving | 3 | culture=American; season=autumn | | roast turkey, pumpkin pie, autumn leaves, dinner table, pumpkin, harvest basket | rustic, watercolor | burnt orange, chocolate brown, mustard |
Onam | 2 | culture=Malayali; season=autumn | | flower carpet, banana leaf feast, oil lamp, drum | festive | marigold, green, cream |
Vesak | 2 | culture=Buddhist; season=spring; aliases=Buddha Day | | lotus flower, paper lantern, oil lamp, temple | calm, elegant | saffron, white, gold | faith communities
Kwanzaa | 2 | culture=African American; season=winter | | kinara, candles, woven mat, harvest basket, corn | festive | red, green, black | community organizers
Halloween | 3 | season=autumn | | jack-o'-lantern, pumpkin, ghost, witch hat, bat, haunted house, candy bowl | playful, grunge, cartoon | pumpkin orange, black, royal purple | kids
Easter | 3 | culture=Christian; season=spring | | easter egg, bunny, egg basket, tulip, chick | pastel, watercolor | lavender, mint, blush pink | kids
Passover | 2 | culture=Jewish; season=spring; aliases=Pesach | | seder plate, matzah, wine glass, dinner table | elegant | navy blue, cream, gold | faith communities
New Year's Eve | 3 | season=winter; aliases=NYE/New Year | countdown video | fireworks, champagne glass, clock, confetti, party hat, disco ball | neon, art deco | gold, black, silver | couples, event planners
Valentine's Day | 3 | season=winter; aliases=Valentines | | heart, rose, chocolate box, love letter, teddy bear, cupid | elegant, playful | crimson, blush pink, rose gold | couples
Mother's Day | 3 | season=spring | | bouquet, teacup, tulip, handwritten note, pancakes | watercolor, elegant | blush pink, lavender, cream | kids
Father's Day | 3 | season=summer | | necktie, grill, fishing rod, toolbox, mug | minimalist, rustic | navy blue, charcoal, chocolate brown | kids
St. Patrick's Day | 2 | culture=Irish; season=spring | | shamrock, pot of gold, rainbow, leprechaun hat, beer stein | playful, festive | emerald, green, gold |
Fourth of July | 3 | culture=American; season=summer; aliases=Independence Day/July 4th | | fireworks, american flag, grill, picnic blanket, sparkler | festive, retro | red, navy blue, white |
Cinco de Mayo | 2 | culture=Mexican; season=spring | | papel picado, maracas, tacos, pinata | festive, playful | green, red, marigold | restaurant owners
Mid-Autumn Festival | 2 | culture=Chinese; season=autumn; aliases=Moon Festival | | mooncake, full moon, paper lantern, rabbit, teacup | elegant, watercolor | gold, navy blue, crimson |
Rosh Hashanah | 2 | culture=Jewish; season=autumn; aliases=Jewish New Year | | apple slices, honey jar, round challah, pomegranate | elegant | gold, burgundy, cream | faith communities
Navratri | 2 | culture=Hindu; season=autumn; aliases=Garba night | | dandiya sticks, oil lamp, marigold garland, drum | festive | magenta, saffron, emerald |
Raksha Bandhan | 2 | culture=Hindu; season=summer; aliases=Rakhi | | rakhi thread, sweets box, gift box, thali | festive, elegant | saffron, crimson, gold |
Carnival | 2 | culture=Brazilian; season=winter; aliases=Carnaval/Mardi Gras | | feathered mask, drum, confetti, parade float | festive, neon | royal purple, gold, green |
Oktoberfest | 2 | culture=German; season=autumn | | beer stein, pretzel, sausage, string lights | rustic, vintage | sky blue, white, mustard |
Songkran | 1 | culture=Thai; season=spring; aliases=Thai New Year | | water gun, water balloon, temple, lotus flower | playful | turquoise, saffron |
Ganesh Chaturthi | 2 | culture=Hindu; season=autumn | | ganesha idol, modak, marigold garland, drum | festive | saffron, marigold, crimson |
Pongal | 1 | culture=Tamil; season=winter; aliases=Makar Sankranti | | clay pot, sugarcane, kolam, corn | festive | marigold, green, terracotta |
Chinese Lantern Festival | 1 | culture=Chinese; season=winter | | paper lantern, full moon, dumplings | festive, watercolor | red, gold |
[observance]
Juneteenth | 2 | culture=African American; season=summer; aliases=Freedom Day | | juneteenth flag, picnic blanket, grill, drum, red velvet cake | bold typographic | red, green, black |
Pride Month | 3 | season=summer; aliases=Pride | | rainbow flag, parade float, confetti, heart | bold typographic, playful | magenta, electric blue, marigold |
Black History Month | 2 | season=winter | presentation | book stack, microphone, kente cloth, quill pen | bold typographic, vintage | red, green, gold, black | students
International Women's Day | 2 | season=spring; aliases=Women's History Month | | mimosa flowers, megaphone, bouquet, hands | bold typographic, hand-drawn | royal purple, lavender, marigold |
Earth Day | 3 | season=spring; aliases=Earth Month | | globe, recycling bin, seedling, reusable bag, tree | hand-drawn, flat design | forest green, sky blue, olive | eco-conscious shoppers, students
Breast Cancer Awareness Month | 2 | season=autumn | | pink ribbon, running shoes, heart | flat design | blush pink, magenta, white | healthcare workers
Veterans Day | 2 | culture=American; season=autumn | | american flag, poppy, medal | bold typographic | navy blue, red, white |
Hispanic Heritage Month | 2 | culture=Latin American; season=autumn | | papel picado, guitar, maracas, map | festive, bold typographic | marigold, crimson, turquoise | students
Indigenous Peoples' Day | 1 | season=autumn | | beadwork, woven basket, canoe, corn, mountain | hand-drawn | terracotta, turquoise, chocolate brown |
Labor Day | 2 | culture=American; season=autumn | | hard hat, grill, toolbox, american flag | bold typographic, retro | navy blue, red, white | employees
World Kindness Day | 1 | season=autumn | | heart, handwritten note, hands, sunflower | hand-drawn, kawaii | coral, mustard, sky blue | kids
Autism Acceptance Month | 1 | season=spring | | infinity symbol, heart, hands, book stack | flat design | marigold, crimson, electric blue | parents
Mental Health Awareness Month | 2 | season=spring | | green ribbon, journal, teacup, heart | calm, hand-drawn | green, sage green, lavender | healthcare workers
[life event]
Birthday | 3 | | | birthday cake, balloon, party hat, gift box, candles, confetti | playful, festive | gold, blush pink, electric blue | kids
Kids' birthday party | 3 | aliases=children's party | | balloon, birthday cake, pinata, bounce house, cupcake, party hat | playful, kawaii, cartoon | electric blue, marigold, magenta | parents, kids
First birthday | 2 | aliases=baby's first birthday | | smash cake, balloon, baby, teddy bear | pastel | mint, blush pink, sky blue | parents
Baby shower | 3 | | | baby bottle, onesie, stork, baby carriage, teddy bear, diaper cake | pastel, watercolor | mint, blush pink, sky blue | parents
Gender reveal | 2 | | | balloon, confetti cannon, cupcake, question mark | pastel | blush pink, sky blue | parents, couples
Wedding | 3 | aliases=nuptials | program, backdrop, monogram | wedding rings, wedding cake, bouquet, bride, groom, arch of flowers, champagne glass | elegant, watercolor, rustic, boho | sage green, ivory, gold, blush pink | couples, brides
Engagement party | 2 | aliases=engagement | | engagement ring, champagne glass, rose, couple | elegant | rose gold, ivory | couples
Bridal shower | 2 | | | bouquet, teacup, cupcake, champagne glass | boho, watercolor | blush pink, sage green | brides
Anniversary | 2 | | | rose, wine glass, couple, candles | elegant | crimson, gold | couples
Graduation | 3 | | program, certificate | graduation cap, diploma, tassel, confetti, balloon | bold typographic | navy blue, gold, black | students
Retirement party | 2 | aliases=retirement | | clock, beach chair, golf club, birthday cake, gift box | elegant, corporate | navy blue, gold | employees, seniors
Memorial service | 2 | aliases=celebration of life/funeral | program, frame | candles, white lily, dove, photo frame, sunset | elegant, calm | ivory, lavender, sage green |
Housewarming | 2 | aliases=new home | | house, house keys, potted plant, welcome mat, wine bottle | boho, hand-drawn | terracotta, sage green | couples
Bar mitzvah | 1 | culture=Jewish; aliases=bat mitzvah/b'nai mitzvah | | torah scroll, star of david, kippah, dance floor | elegant | navy blue, silver | faith communities, teens
Quinceañera | 2 | culture=Latin American; aliases=quince | | tiara, ball gown, birthday cake, bouquet, dance floor | elegant | blush pink, gold, lavender | teens
Family reunion | 2 | | | picnic blanket, grill, family photo, group photo, t-shirt | rustic, playful | forest green, mustard |
Birth announcement | 2 | aliases=new baby/it's a boy/it's a girl | | baby, baby footprint, crib, teddy bear | pastel, watercolor | mint, peach, sky blue | parents
[business]
Grand opening | 3 | aliases=now open/ribbon cutting | | red ribbon, giant scissors, balloon, storefront, confetti, open sign | bold typographic | red, gold |
Seasonal sale | 3 | aliases=clearance sale/summer sale | | shopping bag, price tag, storefront, shopping cart | bold typographic, flat design | red, black, mustard |
Black Friday | 3 | season=autumn; aliases=Cyber Monday | countdown video | shopping bag, price tag, shopping cart, gift box, laptop | bold typographic, neon | black, gold, red |
Hiring | 2 | aliases=we're hiring/job opening/now hiring | | handshake, laptop, office desk, megaphone, name badge | corporate, bold typographic | electric blue, white | job seekers
Product launch | 3 | aliases=new arrival/coming soon | 3D render, countdown video | product box, rocket, smartphone, spotlight, confetti | minimalist, 3D | black, electric blue | content creators
Real estate listing | 3 | aliases=house for sale/open house/just listed | | house, house keys, for sale sign, living room, floor plan | minimalist, corporate | navy blue, white, sage green | real estate agents
Restaurant menu | 3 | | menu, food photo | plate of pasta, chef hat, wine glass, burger, dinner table | rustic, vintage, elegant | burgundy, cream | restaurant owners
Webinar | 2 | aliases=online workshop/live session | presentation, virtual meeting background | laptop, microphone, headset, notebook | corporate, flat design | electric blue, white | employees
Conference | 2 | aliases=summit/tech conference | event ticket, presentation | stage, microphone, name badge, crowd, lanyard | corporate | navy blue, teal | employees
Coffee shop | 3 | aliases=cafe/coffee house | menu, product label | coffee cup, latte art, coffee beans, croissant, espresso machine | rustic, minimalist | chocolate brown, cream | restaurant owners
Bakery | 2 | aliases=bake shop/patisserie | menu, product label | croissant, bread loaf, cupcake, rolling pin, cookie | rustic, hand-drawn | cream, peach |
Hair salon | 2 | aliases=beauty salon/barbershop | gift certificate | hair scissors, hair dryer, mirror, nail polish, lipstick | elegant, minimalist | blush pink, rose gold, black |
Fitness studio | 2 | aliases=gym/boot camp | | dumbbell, yoga mat, kettlebell, water bottle, running shoes | bold typographic | electric blue, black | fitness enthusiasts
Nonprofit fundraiser | 2 | aliases=charity drive/donation drive | | donation box, heart, volunteer, hands, piggy bank | hand-drawn, flat design | teal, coral | nonprofits, community organizers
Farmers market | 2 | season=summer; aliases=farm stand | | fruit stand, vegetable basket, honey jar, sunflower, tote bag | rustic, hand-drawn | olive, mustard | foodies
Food truck | 2 | | menu | food truck, tacos, burger, fries | retro, bold typographic | mustard, red | restaurant owners
Podcast launch | 2 | aliases=new podcast | podcast intro, YouTube thumbnail | microphone, headphones, sound wave, laptop | bold typographic, retro | mustard, charcoal | podcasters, content creators
Holiday office party | 2 | season=winter; aliases=company holiday party | | ugly sweater, gift box, string lights, champagne glass | festive | red, green, gold | employees
Trade show | 1 | aliases=expo | | exhibition booth, name badge, lanyard, tote bag | corporate | navy blue, teal | employees
Customer appreciation | 2 | aliases=thank you customers | thank you card, product label | gift box, heart, handwritten note, shopping bag | minimalist, watercolor | blush pink, sage green |
Job search | 2 | aliases=career change/job hunting | resume, business card, LinkedIn banner, portrait | laptop, office desk, briefcase, coffee cup | minimalist, corporate | navy blue, charcoal | job seekers
Book launch | 1 | aliases=author event/book signing | book cover, poster, event ticket | book stack, reading glasses, coffee cup, typewriter | vintage, minimalist | burgundy, cream | artists
App launch | 2 | aliases=new app | 3D render, icon, vertical video | smartphone, rocket, laptop | flat design, 3D | electric blue, indigo | content creators
Handmade shop | 2 | aliases=craft shop/makers market | product label, sticker, business card | yarn ball, candles, mug, tote bag, handwritten note | hand-drawn, boho | terracotta, sage green | artists
[school]
Back to school | 3 | season=summer | | backpack, school bus, pencil, apple, notebook, chalkboard | hand-drawn, playful | mustard, red, sky blue |
Science fair | 2 | | | microscope, test tube, volcano model, telescope | flat design | electric blue, green |
Bake sale | 2 | | | cupcake, cookie, pie, price tag | hand-drawn | peach, cream | community organizers
Field trip | 2 | | | school bus, backpack, museum, map, packed lunch | playful | marigold, sky blue |
School play | 1 | aliases=school musical | event ticket, program | stage, curtain, spotlight, costume | vintage | crimson, gold |
Parent-teacher night | 1 | aliases=open house | | chalkboard, coffee cup, notebook, apple | hand-drawn | sky blue, mustard |
Spelling bee | 1 | | | bee, letter blocks, trophy, microphone | playful | mustard, black |
Prom | 2 | aliases=homecoming dance/formal | event ticket | disco ball, corsage, limousine, dance floor, tiara | neon, elegant | royal purple, silver | teens
Book fair | 1 | aliases=reading week | | book stack, bookshelf, reading glasses, owl | hand-drawn | forest green, mustard |
Teacher appreciation week | 2 | aliases=thank you teacher | thank you card | apple, chalkboard, pencil, mug | hand-drawn, watercolor | red, mustard |
Classroom decor | 2 | aliases=classroom rules | calendar, worksheet, poster | letter blocks, globe, crayons, bulletin board | playful, kawaii | marigold, sky blue, coral |
Online course | 2 | aliases=e-learning/masterclass | presentation, certificate, YouTube thumbnail | laptop, headphones, notebook, graduation cap | flat design, minimalist | indigo, white | content creators
[social media]
Giveaway | 3 | aliases=contest/sweepstakes | | gift box, confetti, smartphone, trophy | bold typographic, neon | magenta, gold | small business owners
Motivational quote | 3 | aliases=inspirational quote/daily affirmation | quote | mountain, sunrise, coffee cup, notebook | minimalist, calm | sage green, peach |
Recipe post | 2 | aliases=recipe card | flat lay | mixing bowl, cutting board, spice jars, plate of pasta | rustic, photorealistic | terracotta, cream | foodies
Behind the scenes | 1 | aliases=BTS | | camera, laptop, office desk, coffee cup | minimalist | charcoal, peach | small business owners
Unboxing video | 2 | aliases=unboxing/haul | product shot | product box, smartphone, gift box, shopping bag | bold typographic | electric blue, marigold |
Gaming stream | 2 | aliases=Twitch stream/live stream | sound effect, badge | game controller, headset, gaming monitor, trophy | neon, glitch | neon pink, electric blue, indigo | gamers
Big announcement | 2 | aliases=big news/save the date | | megaphone, confetti, speech bubble | bold typographic | coral, black |
[season]
Spring | 3 | season=spring | | cherry blossom, tulip, butterfly, rain boots, robin | pastel, watercolor | mint, blush pink, lavender |
Summer | 3 | season=summer | | sun, beach umbrella, ice cream cone, watermelon, sunglasses, palm tree | playful, retro | turquoise, coral, marigold |
Autumn | 3 | season=autumn; aliases=fall | | autumn leaves, pumpkin, acorn, knit scarf, apple | rustic, watercolor | burnt orange, mustard, chocolate brown |
Winter | 3 | season=winter | | snowflake, snowman, hot cocoa, mittens, pine tree | minimalist, calm | sky blue, white, silver |
Rainy day | 1 | | | umbrella, rain cloud, rain boots, teacup | lo-fi, calm | charcoal, sky blue |
[sports]
Soccer tournament | 3 | aliases=football tournament/soccer league | | soccer ball, goal net, trophy, stadium, jersey | bold typographic | green, white | kids
Basketball game | 2 | aliases=hoops | | basketball, basketball hoop, sneakers, scoreboard | bold typographic, retro | burnt orange, black | teens
Marathon | 2 | aliases=fun run/5k run | | running shoes, finish line, medal, water bottle, stopwatch | flat design | electric blue, coral | fitness enthusiasts
Football watch party | 2 | aliases=game day | | american football, nachos, big screen, chicken wings, jersey | bold typographic | forest green, chocolate brown |
Cricket match | 2 | culture=South Asian | | cricket bat, cricket ball, stadium, trophy | bold typographic | forest green, white |
Swimming lessons | 1 | season=summer | | swimming pool, goggles, life ring, swimmer | playful | turquoise, sky blue | kids, parents
Esports tournament | 2 | aliases=gaming tournament | | game controller, headset, trophy, gaming monitor | neon, glitch | neon pink, electric blue | gamers
Golf outing | 1 | aliases=charity golf tournament | | golf club, golf ball, golf cart, putting green | minimalist | forest green, white | employees, seniors
Cycling race | 1 | aliases=bike ride | | bicycle, helmet, mountain, water bottle | flat design | marigold, black | fitness enthusiasts
Baseball game | 2 | aliases=little league | | baseball, baseball glove, baseball bat, stadium, hot dog | retro, vintage | navy blue, red | kids
[wellness]
Yoga retreat | 2 | aliases=yoga class | | yoga mat, lotus flower, mountain, candles | calm, boho | sage green, terracotta |
Meditation | 2 | aliases=mindfulness | | singing bowl, incense, candles, lotus flower | calm, minimalist | lavender, indigo |
Healthy eating | 2 | aliases=meal prep/clean eating | infographic, food photo | salad bowl, smoothie, avocado, vegetable basket | flat design, photorealistic | green, mint | foodies
Fitness challenge | 2 | aliases=30-day challenge/workout plan | vertical video | dumbbell, kettlebell, stopwatch, running shoes | bold typographic | electric blue, black |
Spa day | 2 | aliases=day spa | gift certificate | rolled towels, cucumber slices, massage stones, candles, bathrobe | calm, elegant | sage green, ivory |
Self-care Sunday | 1 | aliases=self care | | bathtub, sheet mask, journal, teacup | pastel, calm | blush pink, lavender |
[travel]
Beach vacation | 3 | season=summer; aliases=beach holiday | | beach umbrella, seashell, surfboard, palm tree, sunset, sandcastle | photorealistic, retro | turquoise, coral, sky blue |
Road trip | 2 | aliases=road tripping | | convertible, map, open road, camper van, sunglasses | retro, cinematic | mustard, sky blue |
Camping trip | 2 | aliases=camping | | tent, campfire, marshmallow, pine tree, camping lantern, mountain | rustic, hand-drawn | forest green, burnt orange |
City break | 2 | aliases=weekend getaway | | skyline, taxi, street cafe, map, bicycle | photorealistic, minimalist | charcoal, marigold |
Ski trip | 1 | season=winter | | skis, snowboard, cabin, hot cocoa, mountain | photorealistic, minimalist | white, sky blue |
Safari | 1 | | | elephant, giraffe, lion, jeep, acacia tree | photorealistic, cinematic | mustard, olive |
Cruise | 1 | aliases=cruise vacation | | cruise ship, life ring, ocean, sunset | photorealistic | navy blue, white |
[food]
Barbecue | 3 | season=summer; aliases=BBQ/cookout | | grill, burger, corn on the cob, sausage, picnic blanket, lemonade | rustic, bold typographic | red, charcoal |
Pizza night | 2 | aliases=pizza party | | pizza, pizza oven, cheese board | retro, hand-drawn | red, cream |
Brunch | 2 | aliases=Sunday brunch | | pancakes, champagne glass, avocado, coffee cup, croissant, eggs | watercolor, minimalist | peach, mint |
Wine tasting | 2 | aliases=wine night | | wine glass, wine bottle, cheese board, grapes, vineyard | elegant, vintage | burgundy, olive |
Vegan recipes | 2 | aliases=plant-based | | salad bowl, avocado, vegetable basket, smoothie | flat design, photorealistic | green, mint | eco-conscious shoppers
Tea party | 1 | aliases=afternoon tea | | teacup, teapot, scones, macarons | vintage, pastel | blush pink, mint |
Taco Tuesday | 2 | | | tacos, avocado, nachos | playful, bold typographic | marigold, green |
Sushi night | 1 | | | sushi, chopsticks, teacup | minimalist | black, red |
Strawberry picking | 1 | season=summer | | strawberry, harvest basket, sunflower | watercolor | red, green | families
[pets]
Pet adoption | 3 | aliases=adopt don't shop/rescue pets | | puppy, kitten, pet bowl, leash, paw print | playful, cartoon | peach, sky blue | nonprofits
Dog grooming | 2 | aliases=pet grooming | business card, logo | dog, bathtub, hair dryer, pet bow, grooming brush | playful | sky blue, mint | small business owners
Cat lovers | 2 | aliases=cat people | | cat, kitten, yarn ball, scratching post | kawaii, cartoon | peach, lavender |
Pet birthday | 1 | aliases=dog birthday/pawty | | dog, dog treat, party hat, balloon | playful, kawaii | blush pink, sky blue |
Lost pet | 1 | aliases=missing pet | | dog, cat, leash, pet collar | bold typographic | red, white | community organizers
Veterinary clinic | 1 | aliases=vet | logo, business card | stethoscope, dog, cat, pet carrier | flat design, minimalist | teal, white | healthcare workers
[music]
Music festival | 3 | season=summer | | stage, crowd, guitar, string lights, wristband | neon, boho | magenta, marigold |
Lo-fi study session | 2 | aliases=study beats/chill beats | ambient soundscape, loop | headphones, desk lamp, notebook, rain cloud, cat | lo-fi, calm | lavender, indigo | students
DJ night | 2 | aliases=club night/dance party | | turntable, disco ball, speaker, strobe lights | neon, glitch | neon pink, electric blue |
Jazz night | 2 | aliases=jazz club | | saxophone, trumpet, double bass, microphone, cocktail glass | art deco, vintage | gold, black, burgundy |
Karaoke night | 1 | | | microphone, disco ball, big screen | neon, playful | magenta, electric blue |
Open mic | 1 | aliases=open mic night | | microphone, guitar, bar stool, spotlight, guitar pick | acoustic, hand-drawn | mustard, charcoal |
Video game soundtrack | 1 | aliases=chiptune/8-bit music | sound effect, music loop | game controller, pixel heart, arcade machine, treasure chest | retro, glitch | neon pink, indigo | gamers
Live concert | 2 | aliases=concert/gig | | stage, guitar, drum kit, crowd, spotlight | cinematic, grunge | black, red |
Classical concert | 1 | aliases=orchestra/recital | program | violin, piano, conductor's baton, concert hall | elegant, vintage | burgundy, gold |
Movie night | 2 | aliases=outdoor cinema | | popcorn, projector, film reel, sofa | retro, cinematic | red, black |
Horror movie night | 1 | | sound effect | haunted house, ghost, popcorn, full moon | grunge, cinematic | black, crimson |
[text style]
Wedding calligraphy | 1 | aliases=calligraphy | invitation | quill pen, ink bottle, wax seal, envelope | elegant, watercolor | ivory, gold |
Graffiti street art | 1 | aliases=street art | sticker, texture | spray paint can, brick wall, boombox, sneakers | grunge, retro | neon pink, electric blue |
Comic book | 1 | aliases=comic strip | illustration, sticker | speech bubble, superhero, comic burst | cartoon, retro | marigold, red, electric blue |
Retro diner | 1 | aliases=50s diner | menu | neon sign, jukebox, milkshake, burger | retro, neon | red, mint |
Journaling | 1 | aliases=bullet journal | planner, sticker | journal, washi tape, quill pen, pressed flowers | hand-drawn, pastel | sage green, peach |
[work]
Team meeting | 1 | aliases=all-hands/kickoff meeting | | laptop, whiteboard, coffee cup, conference table | corporate | navy blue, white |
Employee of the month | 1 | aliases=employee recognition | badge | trophy, medal, gold star, name badge | corporate, bold typographic | gold, navy blue |
Quarterly report | 1 | aliases=annual report | | bar chart, pie chart, laptop | corporate, flat design | teal, charcoal |
Remote work | 2 | aliases=work from home | phone wallpaper | laptop, office desk, potted plant, coffee cup, headset | minimalist, calm | sage green, cream |
Company newsletter | 1 | aliases=internal newsletter | | megaphone, laptop, bar chart, coffee cup | corporate, flat design | teal, navy blue |
"""

TIER_WEIGHT = {1: 0.45, 2: 0.7, 3: 0.95}


class VocabularyError(ValueError):
    """The hand-written vocabulary is inconsistent; the message names the entry."""


def slug(text: str) -> str:
    """Lower-case ASCII id part: "Día de los Muertos" -> "dia_de_los_muertos"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = folded.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_")


def _split(cell: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in cell.split(sep) if part.strip()]


def _rank_weight(index: int) -> float:
    # First listed = strongest association; never below 0.3 so every link stays usable.
    return round(max(0.3, 1.0 - 0.07 * index), 2)


def _usage_weight(uses: int, most: int) -> float:
    return round(0.25 + 0.75 * uses / most, 3) if most else 1.0


def build_tables() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Nodes and edges (as row dicts) from the vocabulary, validated; deterministic."""
    nodes: dict[str, dict[str, object]] = {}
    edges: dict[tuple[str, str, str], float] = {}

    def add_node(label: str, prefix: str, name: str, props: dict[str, object],
                 content_type: str = "", weight: float | None = None) -> str:
        node_id = f"{prefix}:{slug(name)}"
        if node_id in nodes:
            raise VocabularyError(f"duplicate {label} {name!r} (id {node_id})")
        nodes[node_id] = {"id": node_id, "label": label, "name": name, "content_type": content_type,
                          "weight": weight, "props": props}
        return node_id

    def ref(prefix: str, name: str, where: str) -> str:
        node_id = f"{prefix}:{slug(name)}"
        if node_id not in nodes:
            raise VocabularyError(f"{where}: unknown {prefix} {name!r}")
        return node_id

    def add_edge(source: str, rel: str, target: str, weight: float) -> None:
        key = (source, rel, target)
        edges[key] = max(weight, edges.get(key, 0.0))

    for line in DESIGN_TYPES.strip().splitlines():
        name, ct, aspect, aliases = (c.strip() for c in line.split("|"))
        props: dict[str, object] = {"aliases": _split(aliases)}
        if aspect:
            props["aspect_ratio"] = aspect
        add_node("DesignType", "design", name, props, content_type=ct)
    for line in COLORS.strip().splitlines():
        name, hexcode = (c.strip() for c in line.split("|"))
        add_node("Color", "color", name, {"hex": hexcode})
    for name in _split(AUDIENCES.replace("\n", " ")):
        add_node("Audience", "audience", name, {})
    for line in STYLES.strip().splitlines():
        name, kind, suits = (c.strip() for c in line.split("|"))
        sid = add_node("Style", "style", name, {"kind": kind})
        for i, design in enumerate(_split(suits)):
            add_edge(sid, "SUITS", ref("design", design, f"style {name}"), _rank_weight(i))

    kind = ""
    for line in SCENE_OBJECTS.strip().splitlines():
        line = line.strip()
        if line.startswith("["):
            kind = line.strip("[]")
            continue
        name, actions = line.split(":", 1)
        oid = add_node("SceneObject", "object", name.strip(), {"kind": kind})
        for i, action in enumerate(_split(actions)):
            aid = f"action:{slug(action)}"
            if aid not in nodes:
                add_node("Action", "action", action, {})
            add_edge(oid, "PERFORMS", aid, _rank_weight(i))

    category = ""
    for line in INTENTS.strip().splitlines():
        line = line.strip()
        if line.startswith("["):
            category = line.strip("[]")
            if category not in CATEGORIES:
                raise VocabularyError(f"unknown intent category {category!r}")
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) != 8:
            raise VocabularyError(f"intent line needs 8 cells: {line!r}")
        name, tier, raw_props, designs, objects, styles, colors, audiences = cells
        props: dict[str, object] = {"category": category}
        for pair in _split(raw_props, ";"):
            key, _, value = pair.partition("=")
            props[key.strip()] = _split(value, "/") if key.strip() == "aliases" else value.strip()
        iid = add_node("UserIntent", "intent", name, props, weight=TIER_WEIGHT[int(tier)])
        defaults = CATEGORIES[category]
        where = f"intent {name}"

        def link(rel: str, prefix: str, own: str, default: str) -> None:
            seen: list[str] = []
            for item in _split(own) + _split(default):
                target = ref(prefix, item, where)
                if target not in seen:
                    seen.append(target)
            for i, target in enumerate(seen):
                add_edge(iid, rel, target, _rank_weight(i))

        link("USES_DESIGN", "design", designs, defaults["designs"])
        link("FEATURES", "object", objects, "")
        link("HAS_STYLE", "style", styles, defaults["styles"])
        link("HAS_COLOR", "color", colors, defaults["colors"])
        link("FOR_AUDIENCE", "audience", audiences, defaults["audiences"])

    # Weights of non-intent nodes: how much the graph leans on them (a popularity prior).
    uses = Counter(target for (_, _, target) in edges)
    by_label: dict[str, int] = {}
    for node in nodes.values():
        by_label[str(node["label"])] = max(by_label.get(str(node["label"]), 0), uses[str(node["id"])])
    for node in nodes.values():
        if node["weight"] is None:
            node["weight"] = _usage_weight(uses[str(node["id"])], by_label[str(node["label"])])

    node_rows = [
        {**n, "weight": float(n["weight"]),  # type: ignore[arg-type]
         "props": json.dumps(n["props"], ensure_ascii=False, sort_keys=True)}
        for n in sorted(nodes.values(), key=lambda n: str(n["id"]))
    ]
    edge_rows = [
        {"source": s, "type": t, "target": d, "weight": w}
        for (s, t, d), w in sorted(edges.items())
    ]
    return node_rows, edge_rows


def render_csv(rows: list[dict[str, object]], columns: tuple[str, ...]) -> str:
    """CSV text exactly as written to disk (RFC 4180 quoting, \\n line ends)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row[c] for c in columns})
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the two CSVs")
    args = parser.parse_args(argv)
    nodes, edges = build_tables()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nodes.csv").write_text(render_csv(nodes, NODE_COLUMNS), encoding="utf-8")
    (args.out / "relationships.csv").write_text(render_csv(edges, EDGE_COLUMNS), encoding="utf-8")
    counts = Counter(str(n["label"]) for n in nodes)
    print(f"wrote {len(nodes)} nodes {dict(sorted(counts.items()))} and {len(edges)} relationships "
          f"to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
