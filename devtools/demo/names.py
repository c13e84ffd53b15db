"""Places, hospitals and people of the demo provinces (real names, approximate 2020-census populations).

Everything here is plain data or a pure function of a ``random.Random``; the builder decides how to use it.
"""

from __future__ import annotations

import datetime as dt
import random

# --- Gansu (62) ---------------------------------------------------------------------------------------

GANSU = ("62", "甘肃省")

# city code, city name, [(county name, population)]. The urban districts of Lanzhou, Jinchang and Baiyin that
# host no county hospital of the program are left out; every county listed has a county hospital.
GANSU_CITIES: list[tuple[str, str, list[tuple[str, int]]]] = [
    ("6201", "兰州市", [("红古区", 146_000), ("永登县", 358_000), ("皋兰县", 140_000), ("榆中县", 404_000)]),
    ("6202", "嘉峪关市", []),
    ("6203", "金昌市", [("永昌县", 193_000)]),
    ("6204", "白银市", [("平川区", 190_000), ("靖远县", 403_000), ("会宁县", 455_000), ("景泰县", 221_000)]),
    (
        "6205",
        "天水市",
        [
            ("秦州区", 641_000),
            ("麦积区", 553_000),
            ("清水县", 243_000),
            ("秦安县", 501_000),
            ("甘谷县", 530_000),
            ("武山县", 392_000),
            ("张家川回族自治县", 281_000),
        ],
    ),
    (
        "6206",
        "武威市",
        [("凉州区", 864_000), ("民勤县", 178_000), ("古浪县", 289_000), ("天祝藏族自治县", 171_000)],
    ),
    (
        "6207",
        "张掖市",
        [
            ("甘州区", 523_000),
            ("肃南裕固族自治县", 34_000),
            ("民乐县", 193_000),
            ("临泽县", 130_000),
            ("高台县", 134_000),
            ("山丹县", 170_000),
        ],
    ),
    (
        "6208",
        "平凉市",
        [
            ("崆峒区", 534_000),
            ("泾川县", 278_000),
            ("灵台县", 181_000),
            ("崇信县", 91_000),
            ("华亭市", 182_000),
            ("庄浪县", 354_000),
            ("静宁县", 392_000),
        ],
    ),
    (
        "6209",
        "酒泉市",
        [
            ("肃州区", 439_000),
            ("金塔县", 131_000),
            ("瓜州县", 129_000),
            ("肃北蒙古族自治县", 14_000),
            ("阿克塞哈萨克族自治县", 11_000),
            ("玉门市", 131_000),
            ("敦煌市", 185_000),
        ],
    ),
    (
        "6210",
        "庆阳市",
        [
            ("西峰区", 450_000),
            ("庆城县", 259_000),
            ("环县", 302_000),
            ("华池县", 113_000),
            ("合水县", 139_000),
            ("正宁县", 178_000),
            ("宁县", 372_000),
            ("镇原县", 402_000),
        ],
    ),
    (
        "6211",
        "定西市",
        [
            ("安定区", 401_000),
            ("通渭县", 298_000),
            ("陇西县", 441_000),
            ("渭源县", 269_000),
            ("临洮县", 478_000),
            ("漳县", 170_000),
            ("岷县", 418_000),
        ],
    ),
    (
        "6212",
        "陇南市",
        [
            ("武都区", 531_000),
            ("成县", 241_000),
            ("文县", 199_000),
            ("宕昌县", 248_000),
            ("康县", 171_000),
            ("西和县", 371_000),
            ("礼县", 452_000),
            ("徽县", 193_000),
            ("两当县", 41_000),
        ],
    ),
    (
        "6229",
        "临夏回族自治州",
        [
            ("临夏市", 356_000),
            ("临夏县", 361_000),
            ("康乐县", 262_000),
            ("永靖县", 183_000),
            ("广河县", 254_000),
            ("和政县", 190_000),
            ("东乡族自治县", 301_000),
            ("积石山保安族东乡族撒拉族自治县", 258_000),
        ],
    ),
    (
        "6230",
        "甘南藏族自治州",
        [
            ("合作市", 111_000),
            ("临潭县", 133_000),
            ("卓尼县", 101_000),
            ("舟曲县", 133_000),
            ("迭部县", 53_000),
            ("玛曲县", 57_000),
            ("碌曲县", 36_000),
            ("夏河县", 86_000),
        ],
    ),
]

# Counties that also have a county TCM hospital in the program (recipient of its own pairing).
GANSU_TCM_COUNTIES = [
    "榆中县",
    "会宁县",
    "秦安县",
    "甘谷县",
    "凉州区",
    "民乐县",
    "静宁县",
    "庄浪县",
    "敦煌市",
    "镇原县",
    "陇西县",
    "岷县",
    "礼县",
    "临夏县",
    "临潭县",
]

# General county hospitals whose grade is still 未定级 at program end. Only 东乡族自治县 (population > 50,000)
# is a GRADE_TARGET violation; the others are small counties below the threshold.
GANSU_UNGRADED_GENERAL = ["东乡族自治县", "肃北蒙古族自治县", "阿克塞哈萨克族自治县", "碌曲县"]
# Upgraded during the program: county -> (year, grade) of the 未定级 → 二级 step.
# Upgrade years of the main program's 2022–2025 cycle (moved with it); all before its last year, which holds
# the demo's today: a county upgraded later would be a GRADE_TARGET finding until then.
GANSU_UPGRADED = {"积石山保安族东乡族撒拉族自治县": (2023, "2"), "玛曲县": (2024, "2"), "两当县": (2024, "2")}

# code, name, origin, origin_region, city (registry city or ""), residency base, kind
SupporterRow = tuple[str, str, str, str, str, bool, str]
GANSU_SUPPORTERS: list[SupporterRow] = [
    ("S6201001", "兰州大学第一医院", "in_province", "", "兰州市", True, "general"),
    ("S6201002", "兰州大学第二医院", "in_province", "", "兰州市", True, "general"),
    ("S6201003", "甘肃省人民医院", "in_province", "", "兰州市", True, "general"),
    ("S6201004", "甘肃省中医院", "in_province", "", "兰州市", True, "tcm"),
    ("S6201005", "甘肃中医药大学附属医院", "in_province", "", "兰州市", False, "tcm"),
    ("S6201006", "甘肃省第二人民医院", "in_province", "", "兰州市", True, "general"),
    ("S6201007", "甘肃省妇幼保健院", "in_province", "", "兰州市", False, "general"),
    ("S6201008", "甘肃省肿瘤医院", "in_province", "", "兰州市", False, "general"),
    ("S6201009", "兰州市第一人民医院", "in_province", "", "兰州市", False, "general"),
    ("S6202001", "嘉峪关市第一人民医院", "in_province", "", "嘉峪关市", False, "general"),
    ("S6203001", "金昌市中心医院", "in_province", "", "金昌市", False, "general"),
    ("S6204001", "白银市第一人民医院", "in_province", "", "白银市", False, "general"),
    ("S6205001", "天水市第一人民医院", "in_province", "", "天水市", True, "general"),
    ("S6206001", "武威市人民医院", "in_province", "", "武威市", False, "general"),
    ("S6207001", "张掖市人民医院", "in_province", "", "张掖市", False, "general"),
    ("S6208001", "平凉市人民医院", "in_province", "", "平凉市", False, "general"),
    ("S6209001", "酒泉市人民医院", "in_province", "", "酒泉市", False, "general"),
    ("S6210001", "庆阳市人民医院", "in_province", "", "庆阳市", False, "general"),
    ("S6211001", "定西市人民医院", "in_province", "", "定西市", False, "general"),
    ("S6229001", "临夏州人民医院", "in_province", "", "临夏回族自治州", False, "general"),
    ("S6201010", "联勤保障部队第940医院", "military", "", "兰州市", False, "general"),
    ("S1200001", "天津医科大学总医院", "other_province", "天津市", "", False, "general"),
    ("S1200002", "天津市第一中心医院", "other_province", "天津市", "", False, "general"),
    ("S1200003", "天津中医药大学第一附属医院", "other_province", "天津市", "", False, "tcm"),
    ("S3700001", "山东大学齐鲁医院", "other_province", "山东省", "", False, "general"),
    ("S3700002", "山东省立医院", "other_province", "山东省", "", False, "general"),
    ("S3700003", "青岛大学附属医院", "other_province", "山东省", "", False, "general"),
]

# Which supporters serve the general county hospitals of each city (round-robin over the list) …
GANSU_CITY_SUPPORTERS: dict[str, list[str]] = {
    "兰州市": ["S6201001", "S6201009"],
    "金昌市": ["S6203001"],
    "白银市": ["S6204001", "S6201002"],
    "天水市": ["S6205001", "S3700001"],
    "武威市": ["S6206001", "S1200001"],
    "张掖市": ["S6207001", "S6201010"],
    "平凉市": ["S6208001", "S6201003"],
    "酒泉市": ["S6209001", "S6202001"],
    "庆阳市": ["S6210001", "S6201006"],
    "定西市": ["S6211001", "S6201003", "S6201008"],
    "陇南市": ["S3700002", "S3700003", "S6201002"],
    "临夏回族自治州": ["S6229001", "S1200002", "S6201007"],
    "甘南藏族自治州": ["S1200001", "S6201001", "S6201006"],
}
# … and the TCM county hospitals.
GANSU_TCM_SUPPORTERS = ["S6201004", "S6201005", "S1200003"]

# --- Guangdong (44) and Anhui (34): small programs for the other presets ------------------------------

GUANGDONG = ("44", "广东省")
GUANGDONG_CITIES: list[tuple[str, str, list[tuple[str, int]]]] = [
    ("4416", "河源市", [("紫金县", 622_000), ("龙川县", 701_000), ("和平县", 367_000)]),
    ("4414", "梅州市", [("五华县", 1_003_000), ("丰顺县", 484_000)]),
]
GUANGDONG_SUPPORTERS: list[SupporterRow] = [
    ("S4401001", "中山大学附属第一医院", "in_province", "", "", False, "general"),
    ("S4401002", "广东省人民医院", "in_province", "", "", False, "general"),
    ("S4401003", "南方医科大学南方医院", "in_province", "", "", False, "general"),
]
# county -> supporter
GUANGDONG_PAIRS = {
    "紫金县": "S4401001",
    "龙川县": "S4401002",
    "和平县": "S4401003",
    "五华县": "S4401001",
    "丰顺县": "S4401002",
}

ANHUI = ("34", "安徽省")
ANHUI_CITIES: list[tuple[str, str, list[tuple[str, int]]]] = [
    ("3416", "亳州市", [("涡阳县", 1_203_000), ("蒙城县", 1_052_000), ("利辛县", 1_156_000)]),
]
ANHUI_SUPPORTERS: list[SupporterRow] = [
    ("S3401001", "安徽医科大学第一附属医院", "in_province", "", "", False, "general"),
    ("S3401002", "安徽省立医院", "in_province", "", "", False, "general"),
    ("S3403001", "蚌埠医学院第一附属医院", "in_province", "", "", False, "general"),
]
ANHUI_PAIRS = {"涡阳县": "S3401001", "蒙城县": "S3401002", "利辛县": "S3403001"}

# --- people -------------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国文辉玲红梅斌鹏宇飞婷雪琳晨阳浩然欣怡子涵思远志强海燕"
    "晓东丹凤春兰玉珍国庆立新永红亚楠佳慧嘉诚俊杰文博天佑雨萱梓轩紫涵宏伟振华学军云霞淑珍秀兰德明"
)

SPECIALTIES = [
    ("内科", "心血管内科"),
    ("内科", "呼吸与危重症医学科"),
    ("内科", "消化内科"),
    ("内科", "神经内科"),
    ("内科", "肾内科"),
    ("内科", "内分泌科"),
    ("外科", "普外科"),
    ("外科", "骨科"),
    ("外科", "泌尿外科"),
    ("外科", "神经外科"),
    ("外科", "胸外科"),
    ("妇产科", "妇产科"),
    ("儿科", "儿科"),
    ("急诊医学", "急诊科"),
    ("重症医学", "重症医学科"),
    ("麻醉学", "麻醉科"),
    ("医学影像", "放射科"),
    ("医学检验", "检验科"),
    ("病理学", "病理科"),
    ("眼科", "眼科"),
    ("耳鼻咽喉科", "耳鼻咽喉科"),
    ("护理学", "护理部"),
]
TCM_SPECIALTIES = [
    ("中医内科", "中医内科"),
    ("针灸推拿", "针灸推拿科"),
    ("中医骨伤", "骨伤科"),
    ("中医妇科", "中医妇科"),
    ("中医儿科", "中医儿科"),
    ("康复医学", "康复科"),
    ("护理学", "护理部"),
]
WEAK_SPECIALTIES = [
    "重症医学科",
    "麻醉科",
    "病理科",
    "儿科",
    "急诊科",
    "肿瘤科",
    "康复科",
    "感染性疾病科",
    "精神科",
]
TCM_KEY_SPECIALTIES = ["针灸科", "脾胃病科", "骨伤科", "肺病科", "治未病科", "康复科"]
NEW_TECHNOLOGIES = [
    "腹腔镜胆囊切除术",
    "经皮冠状动脉介入治疗(PCI)",
    "静脉溶栓治疗急性缺血性脑卒中",
    "无痛胃肠镜",
    "关节镜下膝关节清理术",
    "经尿道前列腺电切术",
    "CT引导下肺穿刺活检",
    "血液净化(CRRT)",
    "新生儿经皮胆红素监测",
    "宫腔镜检查与治疗",
    "超声引导下神经阻滞麻醉",
    "冷冻切片快速病理诊断",
    "腹腔镜疝修补术",
    "支气管镜检查",
    "经鼻高流量湿化氧疗",
    "椎间孔镜髓核摘除术",
]
TRAINING_TOPICS = [
    "心肺复苏与急救技能培训",
    "胸痛中心建设与流程管理",
    "卒中急救绿色通道",
    "院感防控与手卫生",
    "危重孕产妇识别与转诊",
    "新生儿复苏",
    "合理用药与抗菌药物管理",
    "病历书写规范",
    "医疗质量与安全管理",
    "护理核心制度",
    "临床路径管理",
    "DRG/DIP支付方式改革解读",
]
AGREEMENT_GOALS = [
    ("goal", "推进县医院等级评审，达到二级甲等医院标准", "医务科"),
    ("goal", "建成胸痛中心并通过国家认证", "心血管内科"),
    ("goal", "建成卒中中心", "神经内科"),
    ("milestone", "完成重症医学科病房改造并投入使用", "重症医学科"),
    ("milestone", "远程会诊中心上线运行", "信息科"),
    ("task", "每月开展教学查房不少于4次", "医务科"),
    ("task", "选派骨干医师到支援医院进修", "科教科"),
    ("task", "完善医疗质量控制制度", "质控科"),
    ("project", "开展腹腔镜微创手术", "普外科"),
    ("project", "建立县域影像诊断中心", "放射科"),
    ("technology", "开展无痛胃肠镜诊疗", "消化内科"),
    ("technology", "开展血液净化治疗", "肾内科"),
]


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a resident identity card number (GB 11643)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def national_id(area: str, birth: dt.date, seq: int) -> str:
    """An 18-character ID: area code, birth date, sequence (odd = male), check character."""
    first17 = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


def phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "135", "136", "137", "150", "151", "158", "177", "181", "189")) + (
        f"{rng.randrange(10**8):08d}"
    )
