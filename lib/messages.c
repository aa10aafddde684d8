/* Message and hint templates of every check outcome, in English and Chinese.
 *
 * The texts are compiled in rather than read through gettext: the library
 * must work with no installed data files (a static tool copied to a lab
 * machine) and must not depend on the process locale (setlocale is global
 * state, and a batch wants both languages in one report). A report stores
 * both languages, formatted at check time.
 *
 * Templates name their arguments ({v} value, {e} expected, {p} profile,
 * {x} {y} free text) instead of using printf formats, so a translation can
 * reorder them and no template can read an argument it was not given. */
#include "check_priv.h"

#include <stdlib.h>
#include <string.h>

typedef struct msg {
  const char *id, *key;
  const char *en, *en_hint, *zh, *zh_hint;
} msg;

static const msg table[] = {
    /* Outcomes every check may have. */
    {"*", "skip", "Not checked: {x} failed", "Fix the {x} problem first",
     "未检查：{x} 未通过", "请先解决 {x} 的问题"},
    {"*", "off", "Not checked by the {p} profile", "", "{p} 规范不检查此项",
     ""},

    {"file.read", "pass", "The file was read ({v} bytes)", "",
     "文件读取成功（{v} 字节）", ""},
    {"file.read", "missing", "The file does not exist",
     "Check the file name and the folder it is in", "文件不存在",
     "请检查文件名和所在文件夹是否正确"},
    {"file.read", "dir", "This is a folder, not a file",
     "Give the photo file itself, not its folder", "这是一个文件夹，不是文件",
     "请选择照片文件本身，而不是它所在的文件夹"},
    {"file.read", "notreg", "This is not a regular file (a pipe or a device)",
     "Save the photo to an ordinary file first",
     "这不是普通文件（可能是管道或设备）", "请先把照片保存为普通文件"},
    {"file.read", "toobig",
     "The file is {v} bytes, over the limit of {e} bytes",
     "A portrait photo is far smaller than this: check that this is the "
     "right file",
     "文件有 {v} 字节，超过了 {e} 字节的上限",
     "证件照远小于这个大小，请确认选对了文件"},
    {"file.read", "denied", "You have no permission to read the file",
     "Ask the file's owner for read access, or copy the photo elsewhere",
     "没有读取该文件的权限", "请获取读取权限，或把照片复制到其他位置再试"},
    {"file.read", "io", "The file could not be read: {x}",
     "Check that the disk or network drive works and try again",
     "无法读取文件：{x}", "请检查磁盘或网络存储是否正常，然后重试"},

    {"file.format", "pass", "The file is a JPEG image", "", "文件是 JPEG 图片",
     ""},
    {"file.format", "other", "The file is a {x} image, not JPEG",
     "Renaming a file does not change its format: convert it to JPEG "
     "(photofix does this) or export it as .jpg from your photo app",
     "文件实际是 {x} 格式，不是 JPEG",
     "只改扩展名不会改变格式：请转换为 JPEG（photofix 可以自动完成），"
     "或在相册、修图软件中导出为 .jpg"},
    {"file.format", "empty", "The file is empty (0 bytes)",
     "Copy or download the photo again", "文件是空的（0 字节）",
     "请重新复制或下载照片"},
    {"file.format", "unknown",
     "The file is not JPEG, nor an image format "
     "photostd recognises",
     "Save the photo as a JPEG (.jpg) file",
     "文件不是 JPEG，也不是能识别的图片格式",
     "请把照片另存为 JPEG（.jpg）格式"},

    {"file.extension", "pass", "The name ends in {x}", "", "文件扩展名为 {x}",
     ""},
    {"file.extension", "warn", "The name ends in \"{x}\", not .jpg",
     "Rename the file so that it ends in .jpg", "文件扩展名是“{x}”，不是 .jpg",
     "请把文件扩展名改为 .jpg"},
    {"file.extension", "none", "The name has no extension; .jpg is expected",
     "Rename the file so that it ends in .jpg", "文件名没有扩展名，应为 .jpg",
     "请把文件扩展名改为 .jpg"},
    {"file.extension", "stdin", "Read from standard input: there is no name",
     "", "从标准输入读取，没有文件名可检查", ""},

    {"file.size", "pass", "The file is {v} KB", "", "文件大小为 {v} KB", ""},
    {"file.size", "small", "The file is {v} KB; at least {x} KB is required",
     "Save it again at a higher quality (photofix does this "
     "automatically); the file must be at least {x} KB",
     "文件大小为 {v} KB，要求不小于 {x} KB",
     "请用更高的质量重新保存（例如 photofix 会自动完成），文件需不小于 {x} "
     "KB"},
    {"file.size", "large", "The file is {v} KB; at most {x} KB is allowed",
     "Save it again at a lower quality (photofix does this automatically); "
     "the file must be at most {x} KB",
     "文件大小为 {v} KB，超过了 {x} KB 的上限",
     "请用较低的质量重新保存（例如 photofix 会自动完成），文件需不大于 {x} "
     "KB"},

    {"jpeg.decode", "pass", "The JPEG data decodes cleanly", "",
     "JPEG 数据完整，可以正常解码", ""},
    {"jpeg.decode", "truncated",
     "The file ends before the image does "
     "(truncated)",
     "The file was cut short while copying or downloading: copy it again "
     "from the original",
     "文件不完整：图像数据没有到结尾就中断了",
     "文件在复制或下载时没有传完整，请从原始照片重新复制"},
    {"jpeg.decode", "corrupt", "The JPEG data is corrupt: {x}",
     "Save the photo again from the original (photofix re-encodes it)",
     "JPEG 数据已损坏（libjpeg 提示：{x}）",
     "请用原始照片重新保存（photofix 会重新编码）"},
    {"jpeg.decode", "error", "The JPEG cannot be decoded: {x}",
     "Save the photo again from the original as a JPEG file",
     "JPEG 无法解码（{x}）", "请用原始照片重新另存为 JPEG 文件"},
    {"jpeg.decode", "pixels",
     "The image has {x} pixels, over the safety "
     "limit of {y}",
     "Scale the photo down (photofix does this)",
     "图像有 {x} 像素，超过了 {y} 像素的安全上限",
     "请缩小照片尺寸（photofix 可以自动完成）"},
    {"jpeg.decode", "scans",
     "The progressive JPEG has more than {y} scans "
     "(safety limit)",
     "Save it again as a baseline JPEG (photofix does this)",
     "渐进式 JPEG 的扫描次数超过了 {y} 次的安全上限",
     "请重新保存为基线（baseline）JPEG（photofix 可以自动完成）"},
    {"jpeg.decode", "unsupported", "This kind of JPEG is not supported: {x}",
     "Save the photo again as an ordinary 8-bit JPEG", "不支持这种 JPEG（{x}）",
     "请重新保存为普通的 8 位 JPEG"},

    {"jpeg.quality", "pass", "The estimated JPEG quality is {v}", "",
     "估计的 JPEG 质量为 {v}", ""},
    {"jpeg.quality", "low", "The estimated JPEG quality is {v}, below {x}",
     "Save it again at quality {x} or higher (photofix does this)",
     "估计的 JPEG 质量为 {v}，低于 {x}",
     "请以 {x} 或更高的质量重新保存（photofix 会自动完成）"},
    {"jpeg.quality", "unknown",
     "The quality cannot be estimated "
     "(non-standard quantization tables)",
     "", "无法估计质量（量化表不是标准形式）", ""},

    {"jpeg.baseline", "pass", "The JPEG is baseline", "",
     "JPEG 为基线（baseline）编码", ""},
    {"jpeg.baseline", "progressive", "The JPEG is progressive, not baseline",
     "Save it again as a baseline (non-progressive) JPEG; photofix writes "
     "baseline",
     "JPEG 为渐进式（progressive）编码，不是基线编码",
     "请重新保存为基线（非渐进式）JPEG，photofix 输出的就是基线格式"},
    {"jpeg.baseline", "arithmetic",
     "The JPEG uses arithmetic coding, which "
     "many programs cannot open",
     "Save it again as a baseline JPEG with Huffman coding (photofix does "
     "this)",
     "JPEG 使用了算术编码，很多软件打不开",
     "请重新保存为普通的基线 JPEG（photofix 可以自动完成）"},
    {"jpeg.baseline", "both",
     "The JPEG is progressive and arithmetic-coded, "
     "not baseline",
     "Save it again as a baseline JPEG with Huffman coding (photofix does "
     "this)",
     "JPEG 为渐进式编码且使用了算术编码，不是基线编码",
     "请重新保存为普通的基线 JPEG（photofix 可以自动完成）"},

    {"image.dimensions", "pass", "The image is {x} pixels", "",
     "图像尺寸为 {x} 像素", ""},
    {"image.dimensions", "exact",
     "The image is {x} pixels; it must be "
     "exactly {e}",
     "Crop and scale the photo to {e} (photofix does this)",
     "图像尺寸为 {x} 像素，要求正好是 {e}",
     "请把照片裁剪并缩放到 {e}（photofix 可以自动完成）"},
    {"image.dimensions", "small", "The image is {x} pixels, smaller than {y}",
     "Take or choose a larger photo, at least {y}",
     "图像尺寸为 {x} 像素，小于最低要求 {y}",
     "请重新拍摄或选用更大的照片，至少 {y}"},
    {"image.dimensions", "aspect",
     "The image is {x} pixels; its shape is "
     "not {y} (width:height)",
     "Crop it to a {y} portrait (photofix does this)",
     "图像尺寸为 {x} 像素，宽高比不是 {y}",
     "请裁剪为 {y} 的竖幅照片（photofix 可以自动完成）"},

    {"image.color", "pass", "The image is in colour ({v}% of it shows colour)",
     "", "图像为彩色（{v}% 的画面有颜色）", ""},
    {"image.color", "gray",
     "The image is greyscale (1 component); a colour "
     "photo is required",
     "Use a colour photo: black-and-white photos are not accepted",
     "图像是灰度图（单通道），要求彩色照片",
     "请使用彩色照片，黑白照片不被接受"},
    {"image.color", "cmyk",
     "The image is CMYK (4 components), a print "
     "format; RGB colour is required",
     "Save it as an RGB JPEG (photofix converts it)",
     "图像是 CMYK（四通道）印刷格式，要求 RGB 彩色",
     "请另存为 RGB 格式的 JPEG（photofix 可以自动转换）"},
    {"image.color", "greypic",
     "The file is stored in colour but the picture is black and white "
     "(only {v}% of it shows colour)",
     "Use a colour photo: saving a black-and-white photo in a colour format "
     "does not make it pass",
     "文件是彩色格式，但照片内容是黑白的（只有 {v}% 的画面有颜色）",
     "请使用彩色照片：把黑白照片另存为彩色格式并不能通过"},
    {"image.color", "other",
     "The image has {x} colour components; 3 (RGB) "
     "are required",
     "Save it as an ordinary colour JPEG",
     "图像有 {x} 个颜色通道，要求 3 个"
     "（RGB）",
     "请另存为普通的彩色 JPEG"},
    {"image.color", "nopixels",
     "The colours cannot be measured: the image "
     "did not decode",
     "", "图像未能解码，无法检查颜色", ""},

    {"image.dpi", "pass", "The density is {v} dpi", "", "分辨率为 {v} dpi", ""},
    {"image.dpi", "none",
     "The file stores no density (dpi); {x} dpi is "
     "expected",
     "Save it with {x} dpi (photofix does this)",
     "文件中没有记录分辨率（dpi），应为 {x} dpi",
     "请以 {x} dpi 保存（photofix 会自动设置）"},
    {"image.dpi", "wrong", "The density is {v} dpi, not {x} dpi",
     "Save it with {x} dpi (photofix does this)",
     "分辨率为 {v} dpi，不是 {x} dpi",
     "请以 {x} dpi 保存（photofix 会自动设置）"},

    {"exif.orientation", "pass", "No EXIF rotation", "", "没有 EXIF 旋转标记",
     ""},
    {"exif.orientation", "fail",
     "The EXIF orientation tag asks to {x}: the "
     "photo shows sideways or flipped where the "
     "tag is ignored",
     "Rotate the pixels and remove the tag, e.g. `photofix` or `jpegtran "
     "-copy none {y}`",
     "EXIF 方向标记要求{x}：在忽略该标记的系统里，照片会横躺或翻转显示",
     "请把像素真正转正并去掉该标记，例如使用 `photofix` 或 `jpegtran -copy "
     "none {y}`"},
    {"exif.orientation", "corrupt",
     "The EXIF data is unreadable: the "
     "orientation is unknown",
     "Remove the EXIF data (photofix does this, or `jpegtran -copy none`)",
     "EXIF 数据已损坏，无法读取方向标记",
     "请去掉 EXIF 数据（photofix 会自动去除，或使用 `jpegtran -copy "
     "none`）"},

    {"exif.location", "pass", "No GPS position in the file", "",
     "文件中没有 GPS 位置信息", ""},
    {"exif.location", "warn",
     "The file carries a GPS position (where the "
     "photo was taken)",
     "Remove the EXIF data before you share the photo (photofix does this, "
     "or `jpegtran -copy none`)",
     "文件中带有 GPS 位置信息（拍摄地点）",
     "分享或上传前请去掉 EXIF 信息（photofix 会自动去除，或使用 `jpegtran "
     "-copy none`）"},

    /* Content checks (issue 3). */
    {"face.count", "pass", "One face found", "", "检测到一张人脸", ""},
    {"face.count", "none", "No face found",
     "Use a frontal photo of your face, looking straight at the camera, "
     "without anything covering it",
     "没有检测到人脸", "请使用正面免冠照片，直视镜头，面部不要有遮挡"},
    {"face.count", "many", "{v} faces found; the photo must show only you",
     "Retake the photo alone, with nobody else in the picture",
     "检测到 {v} 张人脸，照片中只能有本人", "请单独拍摄，画面中不要出现其他人"},
    {"face.width", "pass", "Face width {v} is within {e}", "",
     "脸宽 {v}，在 {e} 范围内", ""},
    {"face.width", "small", "The face is too small: {v} wide, expected {e}",
     "Make the head larger: move closer to the camera or crop tighter",
     "脸部太小：宽 {v}，应为 {e}", "把头部放大一些：靠近相机，或裁剪得更紧"},
    {"face.width", "large", "The face is too large: {v} wide, expected {e}",
     "Make the head smaller: step back from the camera or crop wider",
     "脸部太大：宽 {v}，应为 {e}",
     "把头部缩小一些：离相机远一点，或裁剪得更宽"},
    {"face.center", "pass", "The face is centred (at {v}, expected {e})", "",
     "人脸居中（位于 {v}，应为 {e}）", ""},
    {"face.center", "left",
     "The face is left of the centre (at {v}, expected {e})",
     "Crop the photo so the face is in the middle, or move to your left",
     "人脸偏左（位于 {v}，应为 {e}）",
     "请裁剪照片使人脸居中，或拍摄时向左移动"},
    {"face.center", "right",
     "The face is right of the centre (at {v}, expected {e})",
     "Crop the photo so the face is in the middle, or move to your right",
     "人脸偏右（位于 {v}，应为 {e}）",
     "请裁剪照片使人脸居中，或拍摄时向右移动"},
    {"head.crown", "pass", "The top of the head is at {v}, within {e}", "",
     "头顶位于 {v}，在 {e} 范围内", ""},
    {"head.crown", "high",
     "Too little space above the head: the top of the hair is at {v}, "
     "expected {e} from the top",
     "Leave more space above the hair: crop higher or lower the camera",
     "头顶上方空间太小：头顶位于距上边 {v}，应为 {e}",
     "请在头发上方多留一些空间：裁剪时向上多留，或把相机放低"},
    {"head.crown", "low",
     "Too much space above the head: the top of the hair is at {v}, "
     "expected {e} from the top",
     "Crop less space above the head, or raise the camera",
     "头顶上方空白太多：头顶位于距上边 {v}，应为 {e}",
     "请减少头顶上方的空白：裁剪掉一些，或把相机抬高"},
    {"eyes.line", "pass", "The eyes are at {v}, within {e}", "",
     "眼睛位于 {v}，在 {e} 范围内", ""},
    {"eyes.line", "high",
     "The eyes are too high: {v} from the top, expected {e}",
     "Move the face lower in the picture", "眼睛位置太高：距上边 {v}，应为 {e}",
     "请让人脸在画面中的位置低一些"},
    {"eyes.line", "low", "The eyes are too low: {v} from the top, expected {e}",
     "Move the face higher in the picture",
     "眼睛位置太低：距上边 {v}，应为 {e}", "请让人脸在画面中的位置高一些"},
    {"eyes.level", "pass", "The eyes are level (tilt {v}\u00b0)", "",
     "双眼水平（倾斜 {v}\u00b0）", ""},
    {"eyes.level", "tilted", "The head is tilted by {v}\u00b0 (at most {e})",
     "Hold your head straight, or rotate the photo so the eyes are level",
     "头部倾斜 {v}\u00b0（最多 {e}）", "请保持头部端正，或旋转照片使双眼水平"},
    {"background.color", "pass", "The background colour is right ({v})", "",
     "背景颜色符合要求（{v}）", ""},
    {"background.color", "grey",
     "The background is white or grey ({v}), not the required colour",
     "Use a plain light-blue background ({x}); photofix can replace it",
     "背景是白色或灰色（{v}），不是要求的颜色",
     "请使用纯浅蓝色背景（{x}），photofix 可以自动替换背景"},
    {"background.color", "hue",
     "The background has the wrong colour ({v}), expected {e}",
     "Use a plain light-blue background ({x}); photofix can replace it",
     "背景颜色不对（{v}），应为 {e}",
     "请使用纯浅蓝色背景（{x}），photofix 可以自动替换背景"},
    {"background.color", "dark", "The background is too dark ({v})",
     "Use a light background ({x}), not a dark or navy one, and light it "
     "evenly",
     "背景太暗（{v}）",
     "请使用浅色背景（{x}），不要用深蓝或深色背景，并均匀打光"},
    {"background.color", "light", "The background is too pale ({v})",
     "Use a light-blue background ({x}) rather than a washed-out one",
     "背景颜色太浅（{v}）", "请使用标准浅蓝色背景（{x}），不要过曝发白"},
    {"background.color", "vivid", "The background colour is too strong ({v})",
     "Use a plain white or light background ({x})", "背景颜色过于鲜艳（{v}）",
     "请使用纯白或浅色背景（{x}）"},
    {"background.color", "nobg", "No background visible around the person",
     "Leave some background around the head and shoulders",
     "人物周围看不到背景", "请在头部和肩部周围留出一些背景"},
    {"background.uniform", "pass", "The background is even (unevenness {v})",
     "", "背景均匀（不均匀度 {v}）", ""},
    {"background.uniform", "uneven",
     "The background is uneven (unevenness {v}, at most {e}): a gradient, "
     "shadow or object",
     "Stand a little away from the wall, light the background evenly and "
     "remove objects behind you",
     "背景不均匀（不均匀度 {v}，最多 {e}）：有渐变、阴影或杂物",
     "请离墙稍远一些站立，均匀照亮背景，并移开身后的物品"},
    {"background.uniform", "shadow",
     "There is a shadow on the background beside the head (darker by {v})",
     "Step away from the wall and light the background from the sides",
     "头部旁边的背景上有阴影（暗了 {v}）", "请离墙远一些，并从两侧照亮背景"},
    {"background.uniform", "texture", "The background has a pattern or texture",
     "Use a plain, smooth background without patterns", "背景有花纹或纹理",
     "请使用平整、无花纹的纯色背景"},
    {"background.uniform", "objects",
     "There are objects in the background beside or above the head ({x} of "
     "it)",
     "Stand in front of a plain wall with nothing behind you (a door, a "
     "shelf or a picture shows)",
     "头部旁边或上方的背景里有物品（占背景的 {x}）",
     "请站在空白的纯色墙前，身后不要有门、书架或挂画等物品"},
    {"background.uniform", "nobg", "No background visible around the person",
     "Leave some background around the head and shoulders",
     "人物周围看不到背景", "请在头部和肩部周围留出一些背景"},
    {"face.exposure", "pass", "The face is well exposed (L* {v})", "",
     "面部曝光正常（L* {v}）", ""},
    {"face.exposure", "dark", "The face is too dark (L* {v}, expected {e})",
     "Add light in front of you or increase the exposure",
     "面部太暗（L* {v}，应为 {e}）", "请在正面补光，或调高曝光"},
    {"face.exposure", "bright", "The face is too bright (L* {v}, expected {e})",
     "Reduce the light or the exposure", "面部太亮（L* {v}，应为 {e}）",
     "请减弱光线或调低曝光"},
    {"face.exposure", "clipped",
     "The face is over-exposed: {x} of it is blown out to white",
     "Reduce the light or the exposure so the skin keeps its detail",
     "面部过曝：{x} 的区域已经发白", "请减弱光线或调低曝光，让皮肤保留细节"},
    {"face.lighting", "pass", "The light on the face is even (difference {v})",
     "", "面部光线均匀（差异 {v}）", ""},
    {"face.lighting", "uneven",
     "One side of the face is darker (difference {v}, the {x} side is "
     "brighter)",
     "Light the face evenly from the front, e.g. face a window",
     "面部一侧偏暗（差异 {v}，{x}侧较亮）",
     "请从正面均匀打光，例如面向窗户拍摄"},
    {"image.sharpness", "pass", "The face is in focus (sharpness {v})", "",
     "面部清晰（清晰度 {v}）", ""},
    {"image.sharpness", "blurred",
     "The face is blurred (sharpness {v}, at least {e})",
     "Hold the camera still, focus on the face and retake the photo",
     "面部模糊（清晰度 {v}，至少 {e}）", "请拿稳相机、对焦到面部后重新拍摄"},
    {"face.color", "pass", "The skin colour looks natural ({v})", "",
     "肤色自然（{v}）", ""},
    {"face.color", "cast",
     "The skin colour looks unnatural ({v}, expected {e})",
     "Turn off colour filters and beauty effects, and use white light",
     "肤色不自然（{v}，应为 {e}）", "请关闭滤镜和美颜效果，并在白光下拍摄"},
    {"clothing.contrast", "pass",
     "The clothing stands out from the background (\u0394E {v})", "",
     "服装与背景区分明显（\u0394E {v}）", ""},
    {"clothing.contrast", "similar",
     "The clothing is close to the background colour (\u0394E {v})",
     "Wear clothing of a different colour from the background (not light "
     "blue)",
     "服装颜色与背景接近（\u0394E {v}）",
     "请穿与背景颜色不同的衣服（不要穿浅蓝色）"},
    {"clothing.contrast", "unseen", "The clothing is not in the picture",
     "Include the shoulders in the photo", "照片中看不到服装",
     "请让照片包含双肩"},
};

static const msg *find(const char *id, const char *key) {
  for (size_t i = 0; i < sizeof table / sizeof *table; i++)
    if (!strcmp(table[i].id, id) && !strcmp(table[i].key, key))
      return &table[i];
  return NULL;
}

static const msg *lookup(const char *id, const char *key) {
  const msg *m = find(id, key);
  return m ? m : find("*", key);
}

int pst__msg_exists(const char *id, const char *key) {
  return lookup(id, key) != NULL;
}

/* The set of placeholders in `s`, one bit per letter of "vepxy". */
static unsigned placeholders(const char *s) {
  static const char names[] = "vepxy";
  unsigned set = 0;
  for (; *s; s++)
    if (s[0] == '{' && s[1] && strchr(names, s[1]) && s[2] == '}')
      set |= 1u << (strchr(names, s[1]) - names);
  return set;
}

/* A Chinese text holds CJK characters (UTF-8 lead bytes E3..E9). */
static int has_cjk(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0xE3 && (unsigned char)*s <= 0xE9) return 1;
  return 0;
}

int pst__msg_lint(char *bad, size_t n) {
  for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
    const msg *m = &table[i];
    const char *why = NULL;
    if (!m->en[0] || !has_cjk(m->zh))
      why = "empty English or non-Chinese zh message";
    else if (!m->en_hint[0] != !m->zh_hint[0])
      why = "a hint in one language only";
    else if (m->zh_hint[0] && !has_cjk(m->zh_hint))
      why = "zh hint is not Chinese";
    else if (placeholders(m->en) != placeholders(m->zh) ||
             placeholders(m->en_hint) != placeholders(m->zh_hint))
      why = "placeholders differ between en and zh";
    if (why) {
      snprintf(bad, n, "%s/%s: %s", m->id, m->key, why);
      return 0;
    }
  }
  return 1;
}

static const char *arg(const pst__msg_args *a, char name, pst_lang lang) {
  const char *s = NULL;
  switch (name) {
  case 'v': s = a->v; break;
  case 'e': s = a->e; break;
  case 'p': s = a->p; break;
  case 'x': s = lang == PST_LANG_ZH && a->x_zh ? a->x_zh : a->x; break;
  case 'y': s = a->y; break;
  }
  return s ? s : "";
}

/* Copy `tpl` with each {c} replaced; an unknown {..} is copied as is. */
static char *expand(const char *tpl, const pst__msg_args *a, pst_lang lang) {
  static const pst__msg_args none;
  pst_buf b;
  pst__buf_init(&b);
  pst__buf_puts(&b, ""); /* an empty template still gives a string */
  if (!a) a = &none;
  while (*tpl) {
    if (tpl[0] == '{' && tpl[1] && strchr("vepxy", tpl[1]) && tpl[2] == '}') {
      pst__buf_puts(&b, arg(a, tpl[1], lang));
      tpl += 3;
    } else {
      pst__buf_add(&b, tpl, 1);
      tpl++;
    }
  }
  if (b.oom) {
    pst__buf_free(&b);
    return NULL;
  }
  return b.data;
}

pst_err pst__msg_format(const char *id, const char *key, pst_lang lang,
                        const pst__msg_args *a, char **msg_out,
                        char **hint_out) {
  const msg *m = lookup(id, key);
  int zh = lang == PST_LANG_ZH;
  *msg_out = *hint_out = NULL;
  if (!m) return PST_ERR_NOTFOUND;
  *msg_out = expand(zh ? m->zh : m->en, a, lang);
  *hint_out = expand(zh ? m->zh_hint : m->en_hint, a, lang);
  if (!*msg_out || !*hint_out) {
    free(*msg_out);
    free(*hint_out);
    *msg_out = *hint_out = NULL;
    return PST_ERR_NOMEM;
  }
  return PST_OK;
}
