"""Word lists the matcher needs: places, generic words, organisation heads, abbreviations.

All entries are in normalised form (casefolded, accents and apostrophes removed), so they
compare directly with tokens from :func:`rules.screening.normalize.normalize`.
"""

from __future__ import annotations

import re
import unicodedata

from rules.lists.parsers.countries import COUNTRY_NAMES


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())


# ----------------------------------------------------------------------------- places

_CN_PLACES = """
anhui beijing chongqing fujian gansu guangdong guangxi guizhou hainan hebei heilongjiang henan
hubei hunan jiangsu jiangxi jilin liaoning ningxia qinghai shaanxi shandong shanghai shanxi
sichuan tianjin tibet xizang xinjiang yunnan zhejiang neimenggu
harbin changchun shenyang dalian anshan fushun qiqihar daqing mudanjiang jiamusi hohhot baotou
taiyuan datong shijiazhuang baoding tangshan qinhuangdao handan langfang zhangjiakou jinan
qingdao yantai weihai weifang zibo linyi jining taian rizhao zaozhuang dongying binzhou liaocheng
dezhou heze zhengzhou luoyang kaifeng xinxiang anyang nanyang xinyang jiaozuo pingdingshan xuchang
wuhan yichang xiangyang shiyan jingzhou changsha xiangtan zhuzhou hengyang yueyang changde
nanchang jiujiang ganzhou jingdezhen hefei wuhu bengbu huainan anqing maanshan huaibei nanjing
suzhou wuxi changzhou nantong yangzhou zhenjiang xuzhou lianyungang yancheng huaian taizhou suqian
hangzhou ningbo wenzhou shaoxing jiaxing huzhou jinhua zhoushan quzhou lishui fuzhou xiamen
quanzhou zhangzhou putian guangzhou shenzhen zhuhai shantou foshan dongguan huizhou jiangmen
zhanjiang maoming zhaoqing shaoguan meizhou qingyuan nanning guilin liuzhou beihai wuzhou haikou
sanya chengdu mianyang deyang zigong luzhou yibin leshan nanchong panzhihua dazhou guiyang zunyi
kunming lijiang lhasa xian baoji xianyang hanzhong yulin yanan weinan yangling lanzhou tianshui
xining yinchuan urumqi urumchi karamay shihezi kashgar wuhu yichun jixi hegang shuangyashan
haidian chaoyang xicheng dongcheng fengtai shijingshan changping pudong minhang xuhui yangpu
nanshan futian luohu baiyun tianhe jiading songjiang huairou shunyi fangshan tongzhou
kowloon shatin tsuen macao macau
"""
_CN_HANZI = """
中国 北京 上海 天津 重庆 哈尔滨 长春 沈阳 大连 南京 苏州 无锡 杭州 宁波 合肥 西安 成都
绵阳 武汉 长沙 广州 深圳 珠海 厦门 福州 济南 青岛 郑州 洛阳 太原 石家庄 兰州 昆明 贵阳
南宁 桂林 南昌 海口 乌鲁木齐 呼和浩特 银川 西宁 拉萨 香港 澳门 黑龙江 吉林 辽宁 河北 河南
山东 山西 陕西 江苏 浙江 安徽 福建 江西 湖北 湖南 广东 广西 四川 贵州 云南 甘肃 青海 海南
内蒙古 宁夏 新疆 西藏
"""
_CN_PHRASES = ("inner mongolia", "hong kong", "new territories", "pr china", "p r china")
_TW_PLACES = "taiwan taipei hsinchu tainan kaohsiung taichung taoyuan"
_RU_PLACES = """
moscow petersburg novosibirsk yekaterinburg ekaterinburg kazan tomsk samara omsk chelyabinsk
rostov ufa krasnoyarsk perm voronezh volgograd vladivostok irkutsk khabarovsk tula dubna sarov
snezhinsk obninsk pushchino chernogolovka troitsk zelenograd dolgoprudny astrakhan tver
kaliningrad nizhny novgorod sevastopol crimea zhukovsky korolev reutov
"""
_RU_PHRASES = ("saint petersburg", "st petersburg", "nizhny novgorod", "russian federation")
_IR_PLACES = (
    "tehran isfahan esfahan shiraz tabriz mashhad karaj qom ahvaz kerman yazd rasht nowshahr"
)
_KP_PLACES = "pyongyang"
_US_PLACES = """
usa alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii
idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan
minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania
tennessee texas utah vermont virginia washington wisconsin wyoming boston chicago berkeley stanford
pasadena
seattle houston atlanta philadelphia pittsburgh baltimore evanston princeton durham
bethesda austin dallas denver minneapolis madison ithaca
"""
_US_PHRASES = (
    "united states",
    "united states of america",
    "new york",
    "new jersey",
    "new mexico",
    "new hampshire",
    "north carolina",
    "south carolina",
    "north dakota",
    "south dakota",
    "rhode island",
    "west virginia",
    "los angeles",
    "san francisco",
    "san diego",
    "ann arbor",
    "new haven",
    "washington dc",
    "washington d c",
    "college park",
    "west lafayette",
    "salt lake city",
)
_OTHER_PLACES: dict[str, str] = {
    "london": "GB",
    "oxford": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "uk": "GB",
    "edinburgh": "GB",
    "manchester": "GB",
    "berlin": "DE",
    "munich": "DE",
    "stuttgart": "DE",
    "hamburg": "DE",
    "heidelberg": "DE",
    "paris": "FR",
    "lyon": "FR",
    "tokyo": "JP",
    "kyoto": "JP",
    "osaka": "JP",
    "seoul": "KR",
    "daejeon": "KR",
    "sydney": "AU",
    "melbourne": "AU",
    "canberra": "AU",
    "brisbane": "AU",
    "toronto": "CA",
    "montreal": "CA",
    "vancouver": "CA",
    "ottawa": "CA",
    "zurich": "CH",
    "geneva": "CH",
    "lausanne": "CH",
    "amsterdam": "NL",
    "delft": "NL",
    "stockholm": "SE",
    "copenhagen": "DK",
    "vienna": "AT",
    "rome": "IT",
    "milan": "IT",
    "madrid": "ES",
    "barcelona": "ES",
    "delhi": "IN",
    "mumbai": "IN",
    "bangalore": "IN",
    "jerusalem": "IL",
    "haifa": "IL",
    "kyiv": "UA",
    "kiev": "UA",
    "minsk": "BY",
}


def fold(text: str) -> str:
    """Casefold, strip accents and apostrophes, punctuation to spaces (for word lists)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub("['\u2019`]s\\b", "", text)
    text = re.sub("['\u2019`]", "", text)
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _build_places() -> dict[str, str]:
    places: dict[str, str] = {}
    for code, names in COUNTRY_NAMES.items():
        for name in names:
            key = fold(name)
            if key and len(key) > 2 and not key.startswith("region"):
                places.setdefault(key, code)
    for words, code in (
        (_CN_PLACES, "CN"),
        (_CN_HANZI, "CN"),
        (_TW_PLACES, "TW"),
        (_RU_PLACES, "RU"),
        (_IR_PLACES, "IR"),
        (_KP_PLACES, "KP"),
        (_US_PLACES, "US"),
    ):
        for word in words.split():
            places.setdefault(word, code)
    for phrases, code in (
        (_CN_PHRASES, "CN"),
        (_RU_PHRASES, "RU"),
        (_US_PHRASES, "US"),
    ):
        for phrase in phrases:
            places.setdefault(fold(phrase), code)
    for word, code in _OTHER_PLACES.items():
        places.setdefault(word, code)
    for key in ("hong kong", "kowloon", "shatin", "new territories"):
        places[key] = "HK"
    places["macau"] = places["macao"] = "MO"
    places["prc"] = "CN"
    places["hk"] = "HK"
    return places


#: Normalised place name (one to four words) -> ISO country code.
PLACES: dict[str, str] = _build_places()
#: Longest place phrase, in words.
MAX_PLACE_WORDS: int = max(len(k.split()) for k in PLACES)
#: Words that describe a place rather than name an organisation.
PLACE_WORDS: frozenset[str] = wordset(
    """
    province city district county municipality prefecture region autonomous state republic
    pr p r people zone area town village road rd street st avenue ave lane boulevard blvd
    building bldg floor room box po no number campus park square plaza special
    administrative sar
    """
)
#: Countries that count as the same place when comparing an entry with a query.
SAME_COUNTRY: dict[str, frozenset[str]] = {
    "CN": frozenset({"CN", "HK", "MO"}),
    "HK": frozenset({"CN", "HK"}),
    "MO": frozenset({"CN", "MO"}),
}

# ----------------------------------------------------------------------- word classes

#: Words that never carry an organisation's identity (legal forms, articles, initials).
GENERIC: frozenset[str] = wordset(
    """
    company limited incorporated corporation llc plc jsc ojsc pjsc cjsc ao oao zao ooo pao
    gmbh ag sa srl spa bv nv pte pvt sdn bhd fze fzc fzco fz llp lp sarl sas cv joint stock
    private public the budgetary unitary enterprise named after its
    """
)
#: Words whose absence lowers confidence but does not change the organisation.
SEMI_GENERIC: frozenset[str] = wordset(
    """
    national research pla state federal program plan scheme project
    """
)
#: Organisation-type nouns: a different one on each side means a different organisation
#: ("Group" and "Holding" name a parent company, not the company itself).
HEADS: frozenset[str] = wordset(
    """
    university institute academy college school center laboratory hospital faculty
    department group holding holdings
    """
)
#: Sub-unit nouns that start a department inside a larger organisation.
SUBUNIT_HEADS: frozenset[str] = wordset(
    """
    school college department faculty institute laboratory key state center division
    graduate hospital campus branch program unit section group team clinic affiliated
    """
)
#: Words that make up names with no proper noun in them ("Institute of Technical Physics").
ACADEMIC: frozenset[str] = wordset(
    """
    university institute academy college school center laboratory hospital faculty
    department research science technology engineering engineer technical polytechnic
    physics chemistry biology medicine medical mathematics applied computing computer
    information informatics electronic electrical mechanical mechanics aeronautics
    astronautics aviation aerospace space defense military naval navy army air force forces
    marine maritime ocean national state federal central public international higher
    advanced key joint command logistics support service arms armored artillery infantry
    special operations strategic strategy security communication communications
    telecommunications radio radar optics optical quantum nuclear energy materials economics
    economic finance business management law political relations studies development design
    testing test environmental chemical explosives fluid general designing assembly
    experimental fundamental basic disease control prevention health hygiene environment
    equipment microbiology epidemiology radiation toxicology pharmacology veterinary
    transfusion blood field bioengineering flight early warning coast guard border coastal
    submarine non commissioned officer nco transportation first second third fourth fifth
    sixth seventh eighth ninth tenth north south east west northwest northeast southwest
    southeast northern southern eastern western new united people pla institution system
    systems analysis computational measurement measurements processing signal intelligent
    lightweight structural power machinery aircraft missile rocket ship shipbuilding
    industry industrial electronics academic excellence
    """
)
#: Words that are never typos of one another (places, compass words, university names).
KNOWN_DISTINCT: frozenset[str] = frozenset(
    {w for k in PLACES for w in k.split() if len(w) >= 4}
    | wordset(
        """
    north south east west northern southern eastern western northwest northeast southwest
    southeast northwestern northeastern southwestern southeastern central technological
    beiyang beihang tsinghua peking renmin nankai fudan tongji jiaotong zhongshan xidian
    huazhong huanan xinan zhongnan dongnan xibei dongbei huabei donghua yanshan soochow
    ligong dianzi keji gongye gongcheng hangkong hangtian minzu shifan caijing yatsen
    """
    )
)
STOPWORDS: frozenset[str] = wordset(
    """
    of the and for in at on de del des du la le les el y et und fur a an to from by
    """
)

#: Abbreviations and spelling variants -> canonical word (applied per token).
ABBREVIATIONS: dict[str, str] = {
    "univ": "university",
    "uni": "university",
    "universities": "university",
    "universite": "university",
    "universitat": "university",
    "universidad": "university",
    "inst": "institute",
    "instit": "institute",
    "institut": "institute",
    "institutes": "institute",
    "institution": "institute",
    "technol": "technology",
    "technologies": "technology",
    "sci": "science",
    "sciences": "science",
    "natl": "national",
    "acad": "academy",
    "academies": "academy",
    "dept": "department",
    "lab": "laboratory",
    "labs": "laboratory",
    "laboratories": "laboratory",
    "coll": "college",
    "eng": "engineering",
    "engn": "engineering",
    "engr": "engineering",
    "engg": "engineering",
    "res": "research",
    "ctr": "center",
    "cntr": "center",
    "centre": "center",
    "centres": "center",
    "centers": "center",
    "intl": "international",
    "corp": "corporation",
    "co": "company",
    "ltd": "limited",
    "inc": "incorporated",
    "grp": "group",
    "aeronaut": "aeronautics",
    "aeronautic": "aeronautics",
    "astronaut": "astronautics",
    "astronautic": "astronautics",
    "hosp": "hospital",
    "mil": "military",
    "defence": "defense",
    "programme": "program",
    "programmes": "program",
    "programs": "program",
    "organisation": "organization",
    "electronics": "electronic",
    "info": "information",
    "def": "defense",
    "informat": "information",
    "telecommun": "telecommunications",
    "commun": "communication",
    "automat": "automation",
    "microelect": "microelectronic",
    "microelectronics": "microelectronic",
    "int": "international",
    "secur": "security",
    "sch": "school",
    "fac": "faculty",
    "econ": "economics",
    "mgmt": "management",
    "hlth": "health",
}

#: Abbreviations with several readings: kept as written, matched to any of their readings
#: (also "Chinese"/"China": "Chinese Academy of Engineering Physics" is the China Academy).
AMBIGUOUS: dict[str, frozenset[str]] = {
    abbr: frozenset(readings.split())
    for abbr, readings in {
        "tech": "technology technical technological",
        "techn": "technology technical technological",
        "polytech": "polytechnic polytechnical",
        "elect": "electronic electrical electric",
        "elec": "electronic electrical electric",
        "electr": "electronic electrical electric",
        "chem": "chemistry chemical",
        "mech": "mechanical mechanics",
        "phys": "physics physical",
        "med": "medical medicine",
        "mat": "materials material",
        "math": "mathematics mathematical",
        "maths": "mathematics mathematical",
        "agr": "agricultural agriculture",
        "agric": "agricultural agriculture",
        "biol": "biology biological",
        "environ": "environmental environment",
        "opt": "optics optical",
        "comp": "computer computing computational",
        "chinese": "china",
    }.items()
}
#: Multi-word canonical forms (applied after ABBREVIATIONS).
PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("people", "liberation", "army"): ("pla",),
    ("peoples", "r", "china"): ("china",),
    ("people", "r", "china"): ("china",),
    ("xi", "an"): ("xian",),
    ("people", "republic", "of", "china"): ("china",),
    ("p", "r", "china"): ("china",),
    ("pr", "china"): ("china",),
}

#: Simplified forms of traditional Chinese characters common in institution names.
TRAD_TO_SIMP: dict[int, int] = str.maketrans(
    "學國東華電機業與軍醫藥農師範體術聯際開發實驗導網絡訊飛陽濱爾慶廣長門閩蘭寧陝灣遼黃龍氣產廠場員會協書圖專資質貿財經濟礦鐵鋼艦戰衛裝備彈劍測繪遙數據計處熱動紅線傳現環視顯頻類響應廈蘇滬漢臺內貴雲興億達鋒設訓練號總參謀陸團隊層級點擊選擇製車輕輸運郵遞務為積腦礎壓檢儀島進區縣鄉鎮莊澤鄭齊魯贛粵瓊隴晉寶銀錢鐘鍾間關閣聞問覺試認識語課論講讀護療養態優價創勞軌輪遠連邊將園圓營費賽買賣張陳劉楊趙吳鄧葉蕭蔣羅鄒譚顧龔閻韓馮盧錦綠藍維織組紡統劃儲聽聲溫館廳庫屬歷萬兩個們來時從後裡這還對風臨濕歐亞義證藝獸軟雙極譜燒橋樑鑒標準",
    "学国东华电机业与军医药农师范体术联际开发实验导网络讯飞阳滨尔庆广长门闽兰宁陕湾辽黄龙气产厂场员会协书图专资质贸财经济矿铁钢舰战卫装备弹剑测绘遥数据计处热动红线传现环视显频类响应厦苏沪汉台内贵云兴亿达锋设训练号总参谋陆团队层级点击选择制车轻输运邮递务为积脑础压检仪岛进区县乡镇庄泽郑齐鲁赣粤琼陇晋宝银钱钟钟间关阁闻问觉试认识语课论讲读护疗养态优价创劳轨轮远连边将园圆营费赛买卖张陈刘杨赵吴邓叶萧蒋罗邹谭顾龚阎韩冯卢锦绿蓝维织组纺统划储听声温馆厅库属历万两个们来时从后里这还对风临湿欧亚义证艺兽软双极谱烧桥梁鉴标准",
)
from rules.screening.wos import (  # noqa: E402
    EXTRA_SEMI_GENERIC,
    SPLIT_PINYIN,
    WOS_ABBREVIATIONS,
    WOS_AMBIGUOUS,
)

ABBREVIATIONS.update({k: v for k, v in WOS_ABBREVIATIONS.items() if k not in ABBREVIATIONS})
AMBIGUOUS.update({k: v for k, v in WOS_AMBIGUOUS.items() if k not in AMBIGUOUS})
PHRASES.update({k: v for k, v in SPLIT_PINYIN.items() if k not in PHRASES})
SEMI_GENERIC = SEMI_GENERIC | EXTRA_SEMI_GENERIC
