-- This file is part of the CRM suite.
-- The part of a K3 WISE account set that the WISE target reads and writes:
-- WISE's table and column names, its SQL Server types written as types that
-- SQL Server and MariaDB both accept (uniqueidentifier as CHAR(36)), and a
-- few rows of base data. One statement per ';' at the end of a line.

-- 物料, its 单位组 and base unit; FDeleted = 1 is a disabled material
CREATE TABLE t_ICItem (
    FItemID INT NOT NULL PRIMARY KEY,
    FNumber VARCHAR(80) NOT NULL,
    FName NVARCHAR(255) NOT NULL,
    FUnitGroupID INT NOT NULL,
    FUnitID INT NOT NULL,
    FDeleted SMALLINT NOT NULL DEFAULT 0
);

-- 计量单位: numbers are unique within a 单位组; FCoefficient to the base
CREATE TABLE t_MeasureUnit (
    FItemID INT NOT NULL PRIMARY KEY,
    FMeasureUnitID INT NOT NULL,
    FUnitGroupID INT NOT NULL,
    FNumber VARCHAR(30) NOT NULL,
    FName NVARCHAR(80) NOT NULL,
    FCoefficient FLOAT NOT NULL DEFAULT 1
);

-- 仓库
CREATE TABLE t_Stock (
    FItemID INT NOT NULL PRIMARY KEY,
    FNumber VARCHAR(80) NOT NULL,
    FName NVARCHAR(255) NOT NULL
);

-- 客户
CREATE TABLE t_Organization (
    FItemID INT NOT NULL PRIMARY KEY,
    FNumber VARCHAR(80) NOT NULL,
    FName NVARCHAR(255) NOT NULL
);

-- 职员
CREATE TABLE t_Emp (
    FItemID INT NOT NULL PRIMARY KEY,
    FNumber VARCHAR(80) NOT NULL,
    FName NVARCHAR(255) NOT NULL
);

-- 部门: a shop of the account set
CREATE TABLE t_Department (
    FItemID INT NOT NULL PRIMARY KEY,
    FNumber VARCHAR(80) NOT NULL,
    FName NVARCHAR(255) NOT NULL
);

-- 系统参数: FCategory 'IC' holds the current year and period of 库存管理
CREATE TABLE t_SystemProfile (
    FCategory VARCHAR(30) NOT NULL,
    FKey VARCHAR(100) NOT NULL,
    FValue NVARCHAR(255) NULL,
    PRIMARY KEY (FCategory, FKey)
);

-- 会计期间
CREATE TABLE t_PeriodDate (
    FYear INT NOT NULL,
    FPeriod INT NOT NULL,
    FStartDate DATETIME NOT NULL,
    FEndDate DATETIME NOT NULL,
    PRIMARY KEY (FYear, FPeriod)
);

-- 单据编号: FCurNo is the last number given, written over FFormat's end
CREATE TABLE ICBillNo (
    FBillID INT NOT NULL PRIMARY KEY,
    FBillName NVARCHAR(80) NOT NULL,
    FPreLetter NVARCHAR(10) NULL,
    FSufLetter NVARCHAR(10) NULL,
    FCurNo INT NOT NULL DEFAULT 0,
    FFormat VARCHAR(30) NULL,
    FDesc NVARCHAR(255) NULL
);

-- 最大内码: the last FInterID given per table
CREATE TABLE ICMaxNum (
    FTableName VARCHAR(50) NOT NULL PRIMARY KEY,
    FMaxNum INT NOT NULL DEFAULT 0
);

-- 出入库单据 (FTranType 21: 销售出库)
CREATE TABLE ICStockBill (
    FBrNo VARCHAR(10) NOT NULL DEFAULT '0',
    FInterID INT NOT NULL PRIMARY KEY,
    FTranType SMALLINT NOT NULL,
    FDate DATETIME NULL,
    FBillNo NVARCHAR(255) NOT NULL,
    FROB SMALLINT NOT NULL DEFAULT 1,
    FDeptID INT NULL DEFAULT 0,
    FEmpID INT NULL DEFAULT 0,
    FSupplyID INT NULL DEFAULT 0,
    FFManagerID INT NULL DEFAULT 0,
    FSManagerID INT NULL DEFAULT 0,
    FBillerID INT NULL DEFAULT 0,
    FCheckerID INT NULL,
    FCheckDate DATETIME NULL,
    FStatus SMALLINT NOT NULL DEFAULT 0,
    FCancellation BIT NOT NULL DEFAULT 0,
    FUpStockWhenSave BIT NOT NULL DEFAULT 0,
    FSaleStyle INT NULL,
    FMarketingStyle INT NULL,
    FSelTranType INT NOT NULL DEFAULT 0,
    FExplanation NVARCHAR(255) NULL,
    FNote VARCHAR(255) NULL,
    FUUID CHAR(36) NULL
);

CREATE TABLE ICStockBillEntry (
    FBrNo VARCHAR(10) NOT NULL DEFAULT '0',
    FInterID INT NOT NULL,
    FEntryID INT NOT NULL,
    FItemID INT NOT NULL,
    FAuxPropID INT NOT NULL DEFAULT 0,
    FBatchNo VARCHAR(200) NOT NULL DEFAULT '',
    FUnitID INT NOT NULL,
    FQty DECIMAL(28, 10) NOT NULL DEFAULT 0,
    FAuxQty DECIMAL(28, 10) NOT NULL DEFAULT 0,
    FPrice DECIMAL(28, 10) NOT NULL DEFAULT 0,
    FAuxPrice DECIMAL(28, 10) NOT NULL DEFAULT 0,
    FAmount DECIMAL(20, 2) NOT NULL DEFAULT 0,
    FConsignPrice DECIMAL(28, 10) NOT NULL DEFAULT 0,
    FConsignAmount DECIMAL(20, 2) NOT NULL DEFAULT 0,
    FDiscountRate DECIMAL(28, 10) NOT NULL DEFAULT 0,
    FDiscountAmount DECIMAL(20, 2) NOT NULL DEFAULT 0,
    FTaxRate DECIMAL(28, 10) NOT NULL DEFAULT 0,
    FDCStockID INT NULL,
    FDCSPID INT NULL DEFAULT 0,
    FPlanMode INT NULL,
    FChkPassItem INT NULL,
    PRIMARY KEY (FInterID, FEntryID)
);

INSERT INTO t_MeasureUnit (FItemID, FMeasureUnitID, FUnitGroupID, FNumber,
    FName, FCoefficient) VALUES
    (101, 101, 100, 'PCS', N'瓶', 1),
    (102, 102, 100, 'XIANG', N'箱', 24),
    (111, 111, 110, 'PCS', N'件', 1);

INSERT INTO t_ICItem (FItemID, FNumber, FName, FUnitGroupID, FUnitID,
    FDeleted) VALUES
    (1001, '1.01.001', N'矿泉水 550ml', 100, 101, 0),
    (1002, '1.01.002', N'苏打水 350ml', 100, 101, 0),
    (1003, '1.02.001', N'环保购物袋', 110, 111, 0),
    (1009, '1.09.001', N'停用的饮料', 100, 101, 1);

INSERT INTO t_Stock (FItemID, FNumber, FName) VALUES
    (2001, 'CK01', N'门店仓'),
    (2002, 'CK02', N'总仓');

INSERT INTO t_Organization (FItemID, FNumber, FName) VALUES
    (3001, '01.001', N'散客'),
    (3002, '01.002', N'会员');

INSERT INTO t_Emp (FItemID, FNumber, FName) VALUES
    (4001, '001', N'张三');

INSERT INTO t_Department (FItemID, FNumber, FName) VALUES
    (5001, '01', N'一号店'),
    (5002, '02', N'二号店');

INSERT INTO t_SystemProfile (FCategory, FKey, FValue) VALUES
    ('IC', 'CurrentYear', '2026'),
    ('IC', 'CurrentPeriod', '3');

INSERT INTO t_PeriodDate (FYear, FPeriod, FStartDate, FEndDate) VALUES
    (2026, 1, '2026-01-01', '2026-01-31'),
    (2026, 2, '2026-02-01', '2026-02-28'),
    (2026, 3, '2026-03-01', '2026-03-31'),
    (2026, 4, '2026-04-01', '2026-04-30');

INSERT INTO ICBillNo (FBillID, FBillName, FPreLetter, FSufLetter, FCurNo,
    FFormat, FDesc) VALUES
    (21, N'销售出库', 'XOUT', '', 41, '000000', 'XOUT+000042');

INSERT INTO ICMaxNum (FTableName, FMaxNum) VALUES
    ('ICStockBill', 1000);
